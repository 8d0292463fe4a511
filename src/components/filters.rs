//! A list page's filter form: always open on a wide screen; on a phone folded behind one
//! line that says how many filters are active, so the list is on the first screen. Plain
//! `<details>`, so it folds and unfolds without JavaScript.

use leptos::prelude::*;

#[component]
pub fn FilterBox(active: usize, children: Children) -> impl IntoView {
    let label = match active {
        0 => "Filters".to_owned(),
        1 => "Filters (1 active)".to_owned(),
        n => format!("Filters ({n} active)"),
    };
    view! {
        <details class="filter-box">
            <summary>{label}</summary>
            {children()}
        </details>
    }
}
