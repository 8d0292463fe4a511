//! The merchant dashboard as a Leptos application: the same components render on the
//! server (`ssr`) and hydrate in the browser (`hydrate`); every page also works with
//! JavaScript off because forms post to server functions that redirect back.

pub mod app;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;
pub mod serverfns;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
