//! Long identifiers in tables: shortened in the middle so columns stay narrow, the full
//! value in the tooltip and the accessible name, and a Copy button once JavaScript runs
//! (without it there is nothing to press, and the full value is still in the address of
//! the link and the tooltip).

use leptos::prelude::*;

/// Longer ids keep their first and last characters around an ellipsis.
const LONGEST_SHOWN: usize = 18;

/// `ord_1701234567_abcdef` → `ord_17012…abcdef`; short ids are shown whole.
pub fn shorten(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= LONGEST_SHOWN {
        return id.to_owned();
    }
    let head: String = chars[..9].iter().collect();
    let tail: String = chars[chars.len() - 6..].iter().collect();
    format!("{head}…{tail}")
}

#[component]
pub fn ShortId(value: String, #[prop(optional)] href: Option<String>) -> impl IntoView {
    let short = shorten(&value);
    let text = match href {
        Some(href) => view! {
            <a href=href title=value.clone() aria-label=value.clone()>{short}</a>
        }
        .into_any(),
        None => view! {
            <span class="id" title=value.clone() aria-label=value.clone()>{short}</span>
        }
        .into_any(),
    };
    // Effects run only in the browser: the button appears once it can work.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let copied = RwSignal::new(false);
    let label = format!("Copy {value}");
    view! {
        <span class="id-cell">
            {text}
            <button
                type="button"
                class="copy-id"
                hidden=move || !ready.get()
                aria-label=label
                title="Copy"
                on:click=move |_| {
                    copy_text(&value);
                    copied.set(true);
                }
            >
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </span>
    }
}

#[cfg(feature = "hydrate")]
fn copy_text(text: &str) {
    if let Some(window) = web_sys::window() {
        // The promise's outcome is not needed: the tick shows the press was taken.
        let _ = window.navigator().clipboard().write_text(text);
    }
}

#[cfg(not(feature = "hydrate"))]
fn copy_text(_text: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_ids_are_shortened_in_the_middle_and_short_ones_kept() {
        assert_eq!(shorten("ord_42"), "ord_42");
        assert_eq!(shorten("ord_1701234567_abcdef"), "ord_17012…abcdef");
        assert_eq!(shorten("abcdefghijklmnopqr"), "abcdefghijklmnopqr");
        assert_eq!(shorten("ünïcödé_ïdëntïfïër_ok"), "ünïcödé_ï…ïër_ok");
    }
}
