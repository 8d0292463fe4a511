//! The merchant dashboard as a Leptos application: the same components render on the
//! server (`ssr`) and hydrate in the browser (`hydrate`); every page also works with
//! JavaScript off because forms post to server functions that redirect back.

// A page's view is one nested type unless its parts are erased (`--cfg erase_components`,
// which cargo-leptos gives every build here); the health page's is deeper than the default
// limit of 128, so a build without that flag still compiles.
#![recursion_limit = "256"]

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
