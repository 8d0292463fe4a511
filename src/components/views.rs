//! The saved views of a list page, beside its title: each opens the page with its filters;
//! the current filters can be saved under a name, a view made the default (the page opens
//! with it when its address has no filters) or deleted. Plain forms, so all of it works
//! without JavaScript.

use leptos::prelude::*;

use super::shell::Outcome;
use crate::serverfns::views::{DeleteView, SaveView, SetDefaultView, ViewsView, list_views};

/// `query` is the page address's filters as a query string (without `?`).
#[component]
pub fn SavedViews(page: &'static str, query: String) -> impl IntoView {
    let save = ServerAction::<SaveView>::new();
    let default = ServerAction::<SetDefaultView>::new();
    let delete = ServerAction::<DeleteView>::new();
    let views = Resource::new(
        move || {
            (
                save.version().get(),
                default.version().get(),
                delete.version().get(),
            )
        },
        move |_| list_views(page.to_owned()),
    );
    // Full page loads get the default view from the server; a move inside the hydrated app
    // to an address with no query at all (not the Clear link's `?view=all`) gets it here.
    #[cfg(feature = "hydrate")]
    {
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |_| {
            let Some(Ok(listed)) = views.get() else {
                return;
            };
            let bare = window()
                .location()
                .href()
                .is_ok_and(|href| !href.contains('?'));
            if let Some(default) = listed.views.iter().find(|v| v.is_default).filter(|_| bare) {
                let options = leptos_router::NavigateOptions {
                    replace: true,
                    ..Default::default()
                };
                navigate(&default.href, options);
            }
        });
    }
    let current = query;
    let filtered = !current.is_empty();
    view! {
        <section class="saved-views" aria-label="Saved views">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let views = views.await.unwrap_or_default();
                    view! { <ViewList page views default delete/> }
                })}
            </Suspense>
            {filtered.then(|| view! {
                <details class="save-view">
                    <summary>"Save these filters"</summary>
                    <ActionForm action=save attr:class="inline-form">
                        <input type="hidden" name="page" value=page/>
                        <input type="hidden" name="query" value=current.clone()/>
                        <label for=format!("view-name-{page}")>"Name"</label>
                        <input id=format!("view-name-{page}") name="name" required maxlength="60"/>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let can_share = views.await.map(|v| v.can_share).unwrap_or(false);
                                can_share.then(|| view! {
                                    <label class="check">
                                        <input type="checkbox" name="shared" value="yes"/>
                                        " Share with everyone"
                                    </label>
                                })
                            })}
                        </Suspense>
                        <button type="submit">"Save view"</button>
                    </ActionForm>
                </details>
            })}
            <Outcome value=Signal::derive(move || save.value().get())/>
            <Outcome value=Signal::derive(move || default.value().get())/>
            <Outcome value=Signal::derive(move || delete.value().get())/>
        </section>
    }
}

#[component]
fn ViewList(
    page: &'static str,
    views: ViewsView,
    default: ServerAction<SetDefaultView>,
    delete: ServerAction<DeleteView>,
) -> impl IntoView {
    if views.views.is_empty() {
        return view! { <p class="muted">"No saved views yet: filter the list, then save the filters under a name."</p> }
            .into_any();
    }
    let has_default = views.views.iter().any(|v| v.is_default);
    view! {
        <ul class="view-list">
            {views
                .views
                .into_iter()
                .map(|v| {
                    let id = v.id.to_string();
                    let owner = v.shared.then(|| format!("shared by {}", v.owner));
                    view! {
                        <li>
                            <a href=v.href>{v.name}</a>
                            {v.is_default.then(|| view! { " " <span class="badge on">"default"</span> })}
                            {owner.map(|o| view! { " " <small class="muted">{o}</small> })}
                            {(!v.is_default).then(|| {
                                let id = id.clone();
                                view! {
                                    <ActionForm action=default attr:class="inline">
                                        <input type="hidden" name="page" value=page/>
                                        <input type="hidden" name="id" value=id/>
                                        <button type="submit" class="small">"Make default"</button>
                                    </ActionForm>
                                }
                            })}
                            {v.can_delete.then(|| view! {
                                <ActionForm action=delete attr:class="inline">
                                    <input type="hidden" name="id" value=id.clone()/>
                                    <button type="submit" class="small">"Delete"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                })
                .collect_view()}
            {has_default.then(|| view! {
                <li>
                    <ActionForm action=default attr:class="inline">
                        <input type="hidden" name="page" value=page/>
                        <button type="submit" class="small">"No default"</button>
                    </ActionForm>
                </li>
            })}
        </ul>
    }
    .into_any()
}
