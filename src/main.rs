//! Entry point: parse the command line, load the configuration, then serve or run a user
//! command. Everything else lives in the library.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    merchant_dashboard::server::cli::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {}
