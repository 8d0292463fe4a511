//! The `juspay-sim` binary: configuration from `JUSPAY_SIM_*` and flags, address on stdout.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Kills the child it owns when dropped, so a failing assertion leaves no process behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_takes_its_settings_from_flags_and_env_and_prints_its_address() {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_juspay-sim"))
            .args([
                "--port",
                "0",
                "--merchant-id",
                "flag_merchant",
                "--extra-merchant",
                "other:other_key",
            ])
            .env("JUSPAY_SIM_API_KEY", "env_key")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let base_url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{line}");
    let client = reqwest::Client::new();
    let with_env_key = client
        .get(format!("{base_url}/orders/none"))
        .header(
            "authorization",
            format!("Basic {}", STANDARD.encode("env_key:")),
        )
        .header("x-merchantid", "flag_merchant")
        .send()
        .await
        .unwrap();
    let with_default_key = client
        .get(format!("{base_url}/orders/none"))
        .header(
            "authorization",
            format!("Basic {}", STANDARD.encode("sim_api_key:")),
        )
        .send()
        .await
        .unwrap();
    let with_extra_key = client
        .get(format!("{base_url}/orders/none"))
        .basic_auth("other_key", Some(""))
        .header("x-merchantid", "other")
        .send()
        .await
        .unwrap();
    drop(child);
    assert_eq!(with_extra_key.status(), 404);
    assert_eq!(with_env_key.status(), 404);
    assert_eq!(with_default_key.status(), 401);
}
