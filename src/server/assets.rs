//! The browser bundle (the app's JavaScript, WebAssembly and style sheet) at an address that
//! names its content: `/assets/<digest>/pkg/…`, where the digest is read from the files at
//! start-up.
//!
//! Invariant: a build with other files has another address, so a browser may keep each file
//! for a year without asking again (`immutable`) and still never runs a bundle that does not
//! match the pages it is given. Files compressed at build time (`.br` and `.gz` beside each
//! file, written by `cargo leptos build --release --precompress`) are sent as they are, with
//! `Content-Encoding` and `Vary: Accept-Encoding`; without them (a debug build) the file is
//! compressed per request as before.

use std::path::Path;

use axum::{
    Router,
    http::{HeaderValue, header},
};
use sha2::{Digest, Sha256};
use tower::ServiceBuilder;
use tower_http::{
    CompressionLevel, compression::CompressionLayer, services::ServeDir,
    set_header::SetResponseHeaderLayer,
};

use super::state::AppState;

/// Hex digits of the digest kept in the address: 64 bits tell builds apart.
const DIGEST_HEX: usize = 16;

/// `/assets/<digest>`, the root the pages load the bundle from; the digest covers every
/// file of `site_root/pkg` (its name and bytes), not their compressed copies. A compressed
/// copy older than its file is left from an earlier build (a later one did not compress):
/// it is removed, so it is never sent in place of the new file.
pub fn asset_root(site_root: &str) -> String {
    let site_root = Path::new(site_root);
    let mut files: Vec<_> = std::fs::read_dir(site_root.join("pkg"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path())
                .collect()
        })
        .unwrap_or_default();
    let compressed = |path: &Path| {
        path.extension()
            .is_some_and(|ext| ext == "br" || ext == "gz")
    };
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    for copy in files.iter().filter(|path| compressed(path)) {
        if modified(copy) < modified(&copy.with_extension("")) {
            tracing::warn!(copy = %copy.display(), "removing a compressed copy older than its file");
            if let Err(e) = std::fs::remove_file(copy) {
                tracing::error!(copy = %copy.display(), error = %e, "could not remove a stale compressed copy");
            }
        }
    }
    files.retain(|path| path.is_file() && !compressed(path));
    files.sort();
    let mut digest = Sha256::new();
    for path in &files {
        digest.update(path.file_name().unwrap_or_default().as_encoded_bytes());
        digest.update([0]);
        digest.update(std::fs::read(path).unwrap_or_default());
    }
    let hex: String = digest
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("/assets/{}", &hex[..DIGEST_HEX])
}

/// Serves `site_root` under `root` (from [`asset_root`]) with year-long immutable caching.
pub fn routes<S: Clone + Send + Sync + 'static>(site_root: &str, root: &str) -> Router<S> {
    let files = ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip();
    let service = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        // ServeDir picks the `.br` or `.gz` copy by Accept-Encoding but does not say so.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        // Passes a file already encoded through untouched; compresses the others.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .service(files);
    Router::new().nest_service(root, service)
}

/// The asset root of the running app, for the page shell.
pub fn root_in_context() -> String {
    leptos::prelude::use_context::<AppState>()
        .map(|state| state.asset_root.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, http::Request};
    use std::time::Duration;
    use tower::ServiceExt as _;

    /// A site folder with a bundle: the script compressed at build time, the style not.
    fn site() -> tempfile::TempDir {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        std::fs::write(pkg.join("app.js"), "console.log('the script');".repeat(40)).unwrap();
        std::fs::write(pkg.join("app.js.br"), b"brotli bytes made at build time").unwrap();
        std::fs::write(pkg.join("app.css"), "body { margin: 0 }\n".repeat(40)).unwrap();
        site
    }

    async fn get(router: &Router, path: &str, accept: &str) -> axum::response::Response {
        let request = Request::get(path)
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap();
        router.clone().oneshot(request).await.unwrap()
    }

    async fn body(response: axum::response::Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[test]
    fn the_asset_address_changes_with_any_file_of_the_bundle_and_only_then() {
        let site = site();
        let path = site.path().to_str().unwrap();
        let root = asset_root(path);
        assert!(root.starts_with("/assets/") && root.len() == "/assets/".len() + DIGEST_HEX);
        assert_eq!(asset_root(path), root, "the same files, the same address");
        std::fs::write(site.path().join("pkg/app.js.gz"), b"another copy").unwrap();
        assert_eq!(asset_root(path), root, "compressed copies do not count");
        std::fs::write(site.path().join("pkg/app.css"), "body { margin: 1px }").unwrap();
        assert_ne!(asset_root(path), root, "a changed file is a new address");
    }

    #[test]
    fn a_compressed_copy_older_than_its_file_is_removed_and_a_fresh_one_kept() {
        let site = site();
        let pkg = site.path().join("pkg");
        let old = std::time::SystemTime::now() - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(pkg.join("app.js.br"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        std::fs::write(pkg.join("app.css.gz"), b"made with the style sheet").unwrap();
        asset_root(site.path().to_str().unwrap());
        assert!(
            !pkg.join("app.js.br").exists(),
            "left from an earlier build"
        );
        assert!(pkg.join("app.css.gz").exists(), "as new as its file");
        assert!(pkg.join("app.js").exists());
    }

    #[tokio::test]
    async fn bundle_files_are_sent_as_compressed_at_build_time_and_kept_for_a_year() {
        let site = site();
        let path = site.path().to_str().unwrap();
        let root = asset_root(path);
        let router: Router = routes(path, &root);

        let script = get(&router, &format!("{root}/pkg/app.js"), "gzip, br").await;
        assert_eq!(script.status().as_u16(), 200);
        let headers = script.headers().clone();
        assert_eq!(headers[header::CONTENT_ENCODING], "br");
        assert_eq!(headers[header::VARY], "accept-encoding");
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            body(script).await,
            b"brotli bytes made at build time",
            "the file as built"
        );

        let plain = get(&router, &format!("{root}/pkg/app.js"), "identity").await;
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert!(body(plain).await.starts_with(b"console.log"));

        let style = get(&router, &format!("{root}/pkg/app.css"), "gzip").await;
        assert_eq!(
            style.headers()[header::CONTENT_ENCODING],
            "gzip",
            "no copy made at build time: compressed as it is sent"
        );

        let stale = get(&router, "/assets/0123456789abcdef/pkg/app.js", "br").await;
        assert_eq!(
            stale.status().as_u16(),
            404,
            "another build's address is not served"
        );
    }
}
