//! Entry point: parse the command line, load the configuration, then serve or run a user
//! command. Everything else lives in the library.

/// Serving a page or a webhook is allocation-heavy (rows, views, JSON), and glibc's malloc
/// took about a third of the server's CPU under load; mimalloc's per-thread heaps do not.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    merchant_dashboard::server::cli::main().await
}

#[cfg(not(feature = "ssr"))]
fn main() {}
