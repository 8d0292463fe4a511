//! Sections whose data arrives with later features. Each says plainly what it will hold and
//! shows nothing made up.

use leptos::prelude::*;

use crate::components::shell::Shell;

#[component]
fn EmptySection(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <Shell title>
            <h1>{title}</h1>
            <section class="card empty">
                <p>{text}</p>
            </section>
        </Shell>
    }
}

#[component]
pub fn HealthPage() -> impl IntoView {
    view! {
        <EmptySection
            title="Health"
            text="No payment data yet, so there are no success rates or alerts to show."
        />
    }
}
