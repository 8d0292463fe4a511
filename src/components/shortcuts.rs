//! Keyboard shortcuts for people who live in the dashboard: `/` or Ctrl/⌘-K searches,
//! `j`/`k` move through a list's rows and Enter opens one, `g` then a letter goes to a
//! section, `?` shows this list. Keys typed into a field are never taken. Shortcuts need
//! JavaScript; without it every page works the same by mouse and Tab.

use leptos::prelude::*;

/// `g` then this key goes to that section.
pub const SECTIONS: [(&str, &str, &str); 6] = [
    ("o", "/orders", "Orders"),
    ("w", "/webhooks", "Webhooks"),
    ("r", "/refunds", "Refunds"),
    ("d", "/disputes", "Disputes"),
    ("m", "/mandates", "Mandates"),
    ("h", "/health", "Health"),
];

#[component]
pub fn Shortcuts() -> impl IntoView {
    let help = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |_| keys::listen(help, navigate.clone()));
    }
    view! {
        <section
            class="card shortcuts"
            role="dialog"
            aria-label="Keyboard shortcuts"
            hidden=move || !help.get()
        >
            <h2>"Keyboard shortcuts"</h2>
            <dl class="facts">
                <dt><kbd>"/"</kbd> " or " <kbd>"Ctrl"</kbd> " " <kbd>"K"</kbd></dt>
                <dd>"Search everything"</dd>
                <dt><kbd>"j"</kbd> " / " <kbd>"k"</kbd></dt>
                <dd>"Next / previous row of a list"</dd>
                <dt><kbd>"Enter"</kbd></dt>
                <dd>"Open the chosen row"</dd>
                {SECTIONS
                    .iter()
                    .map(|(key, _, name)| view! {
                        <dt><kbd>"g"</kbd> " " <kbd>{*key}</kbd></dt>
                        <dd>{format!("Go to {name}")}</dd>
                    })
                    .collect_view()}
                <dt><kbd>"?"</kbd></dt>
                <dd>"Show or hide this list"</dd>
            </dl>
            <button type="button" on:click=move |_| help.set(false)>"Close"</button>
        </section>
    }
}

#[cfg(feature = "hydrate")]
mod keys {
    use leptos::{ev, prelude::*};
    use leptos_router::NavigateOptions;
    use wasm_bindgen::JsCast;
    use web_sys::{Element, HtmlElement, KeyboardEvent};

    use super::SECTIONS;

    /// How long after `g` its second key counts, in milliseconds.
    const CHORD_MS: f64 = 1_500.0;

    pub fn listen(
        help: RwSignal<bool>,
        navigate: impl Fn(&str, NavigateOptions) + Clone + 'static,
    ) {
        let g_at = std::cell::Cell::new(None::<f64>);
        let handle = window_event_listener(ev::keydown, move |e: KeyboardEvent| {
            let key = e.key();
            if key == "Escape" {
                help.set(false);
                return;
            }
            if typing(&e) || e.alt_key() {
                return;
            }
            if (e.ctrl_key() || e.meta_key()) && key.eq_ignore_ascii_case("k") {
                e.prevent_default();
                focus_search();
                return;
            }
            if e.ctrl_key() || e.meta_key() {
                return;
            }
            let chord = g_at.take().is_some_and(|at| e.time_stamp() - at < CHORD_MS);
            if chord {
                if let Some((_, path, _)) = SECTIONS.iter().find(|(k, _, _)| *k == key) {
                    e.prevent_default();
                    navigate(path, NavigateOptions::default());
                }
                return;
            }
            match key.as_str() {
                "/" => {
                    e.prevent_default();
                    focus_search();
                }
                "?" => help.update(|shown| *shown = !*shown),
                "g" => g_at.set(Some(e.time_stamp())),
                "j" => move_row(1),
                "k" => move_row(-1),
                "Enter" => open_row(&e),
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }

    /// Keys pressed in a field, or with a control focused that uses them, are its own.
    fn typing(e: &KeyboardEvent) -> bool {
        e.target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    || el.has_attribute("contenteditable")
            })
    }

    fn focus_search() {
        if let Some(input) = document()
            .get_element_by_id("global-search")
            .and_then(|el| el.dyn_into::<HtmlElement>().ok())
        {
            let _ = input.focus();
        }
    }

    fn rows() -> Vec<Element> {
        let Ok(list) = document().query_selector_all("table.data tbody tr") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
            .collect()
    }

    /// Marks the next (or previous) row as the current one and scrolls it into view.
    fn move_row(step: i32) {
        let rows = rows();
        if rows.is_empty() {
            return;
        }
        let current = rows.iter().position(|r| r.class_list().contains("current"));
        let last = rows.len() as i32 - 1;
        let next = match current {
            Some(i) => (i as i32 + step).clamp(0, last),
            None if step > 0 => 0,
            None => last,
        } as usize;
        for (i, row) in rows.iter().enumerate() {
            let _ = row.class_list().toggle_with_force("current", i == next);
        }
        rows[next].scroll_into_view_with_bool(false);
    }

    /// Enter opens the current row's first link, unless focus is on a link or button
    /// (Enter already presses that).
    fn open_row(e: &KeyboardEvent) {
        let on_control = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "A" | "BUTTON"));
        if on_control {
            return;
        }
        let link = rows()
            .into_iter()
            .find(|r| r.class_list().contains("current"))
            .and_then(|r| r.query_selector("a").ok().flatten())
            .and_then(|a| a.dyn_into::<HtmlElement>().ok());
        if let Some(link) = link {
            e.prevent_default();
            link.click();
        }
    }
}
