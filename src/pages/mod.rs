//! One module per screen.

pub mod account;
pub mod audit;
pub mod disputes;
pub mod health;
pub mod login;
pub mod mandates;
pub mod not_found;
pub mod order;
pub mod orders;
pub mod outbound;
pub mod payment_links;
pub mod refunds;
pub mod search;
pub mod users;
pub mod webhooks;

use leptos::prelude::*;

pub use crate::serverfns::encode;

/// Where orders and deliveries come from: Juspay, or JPSL callbacks (value, shown).
pub const SOURCES: [(&str, &str); 2] = [("juspay", "Juspay"), ("jpsl", "JPSL")];

/// The filters of a list page's address, in the order its form shows them.
pub type Query = Vec<(&'static str, String)>;

/// The non-empty `fields` of a page address, in the order `fields` gives them. A field
/// given several times (a [`picker`]'s ticked boxes) is joined with commas, as the filters
/// read it.
pub fn query_of(params: &leptos_router::params::ParamsMap, fields: &[&'static str]) -> Query {
    fields
        .iter()
        .filter_map(|k| {
            let values: Vec<String> = params
                .get_all(k)
                .unwrap_or_default()
                .into_iter()
                .filter(|v| !v.trim().is_empty())
                .collect();
            (!values.is_empty()).then(|| (*k, values.join(",")))
        })
        .collect()
}

/// The value of `key` in `query`, or empty.
pub fn value_of(query: &Query, key: &str) -> String {
    query
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The query string (without `?`) of a list page's filters, as a saved view keeps it.
pub fn query_text(query: &Query) -> String {
    href_with("", query, None)
        .trim_start_matches('?')
        .to_owned()
}

/// `path` with `query` (and `extra`) as its query string.
pub fn href_with(path: &str, query: &Query, extra: Option<(&str, String)>) -> String {
    let pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .chain(extra)
        .map(|(k, v)| format!("{k}={}", encode(&v)))
        .collect();
    if pairs.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

/// A filter as a menu of `options` (value, shown), "any" first; a current value the menu
/// does not hold (typed into the address) stays selectable. With no options it is a text box.
pub fn menu(
    name: &'static str,
    label: &'static str,
    placeholder: &'static str,
    current: String,
    mut options: Vec<(String, String)>,
) -> AnyView {
    if options.is_empty() {
        return text_box(name, label, placeholder, current);
    }
    if !current.is_empty()
        && !options
            .iter()
            .any(|(v, _)| v.eq_ignore_ascii_case(&current))
    {
        options.insert(0, (current.clone(), current.clone()));
    }
    view! {
        <label>
            {label}
            <select name=name>
                <option value="" selected=current.is_empty()>"any"</option>
                {options
                    .into_iter()
                    .map(|(value, shown)| {
                        let selected = value.eq_ignore_ascii_case(&current);
                        view! { <option value=value selected=selected>{shown}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
    .into_any()
}

/// A filter where several values make sense, as a fold-out list of tick boxes over
/// `options` (value, shown), all named `name` so a plain GET form sends each ticked one;
/// the summary names what is ticked. A ticked value the list does not hold (typed into the
/// address) stays listed. With no options it is a text box taking values separated by
/// commas.
pub fn picker(
    name: &'static str,
    label: &'static str,
    placeholder: &'static str,
    current: String,
    mut options: Vec<(String, String)>,
) -> AnyView {
    if options.is_empty() {
        return text_box(name, label, placeholder, current);
    }
    let ticked: Vec<String> = current
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    let is_ticked = |value: &str| ticked.iter().any(|t| t.eq_ignore_ascii_case(value));
    let missing: Vec<(String, String)> = ticked
        .iter()
        .filter(|t| !options.iter().any(|(v, _)| v.eq_ignore_ascii_case(t)))
        .map(|t| (t.clone(), t.clone()))
        .collect();
    options.splice(0..0, missing);
    let summary = match ticked.len() {
        0 => "any".to_owned(),
        1..=2 => ticked.join(", "),
        n => format!("{n} picked"),
    };
    view! {
        <fieldset class="picker">
            <legend>{label}</legend>
            <details>
                <summary>{summary}</summary>
                <div class="options">
                    {options
                        .into_iter()
                        .map(|(value, shown)| {
                            let checked = is_ticked(&value);
                            view! {
                                <label class="check">
                                    <input type="checkbox" name=name value=value checked=checked/>
                                    {shown}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </details>
        </fieldset>
    }
    .into_any()
}

/// A filter with nothing to offer yet: a labelled text box.
fn text_box(
    name: &'static str,
    label: &'static str,
    placeholder: &'static str,
    current: String,
) -> AnyView {
    view! { <label>{label} <input name=name placeholder=placeholder value=current/></label> }
        .into_any()
}

/// Plain values as [`menu`] options, shown as they are.
pub fn as_options(values: Vec<String>) -> Vec<(String, String)> {
    values.into_iter().map(|v| (v.clone(), v)).collect()
}

/// Known values as [`menu`] options, each with its label.
pub fn labelled<'a>(known: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    known
        .map(|(v, shown)| (v.to_owned(), shown.to_owned()))
        .collect()
}
