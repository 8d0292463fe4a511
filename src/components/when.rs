//! A stored time on a page: local time in the reader's zone with the zone named, a
//! how-long-ago hint, and UTC on hover, inside a `<time>` element machines can read.

use leptos::prelude::*;

use crate::serverfns::Moment;

#[component]
pub fn When(at: Moment) -> impl IntoView {
    view! {
        <time datetime=at.iso title=at.utc>{at.local}</time>
        " "
        <small class="ago">{at.ago}</small>
    }
}
