//! `juspay-sim` binary: parses flags (each also from `JUSPAY_SIM_*`), starts the
//! simulator, prints its address and runs until Ctrl-C.

use std::io::Write as _;

use clap::Parser;
use juspay_sim::{MerchantAccount, SimConfig, Simulator};

/// A stateful local Juspay simulator.
#[derive(Debug, Parser)]
#[command(name = "juspay-sim", version, about)]
struct Args {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, env = "JUSPAY_SIM_PORT", default_value_t = 8085)]
    port: u16,
    /// Default webhook URL.
    #[arg(long, env = "JUSPAY_SIM_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Merchant id.
    #[arg(long, env = "JUSPAY_SIM_MERCHANT_ID", default_value = "sim_merchant")]
    merchant_id: String,
    /// API key expected as the Basic-auth username.
    #[arg(long, env = "JUSPAY_SIM_API_KEY", default_value = "sim_api_key")]
    api_key: String,
    /// Further merchants as `MERCHANT_ID:API_KEY`, repeatable (env: comma-separated).
    #[arg(
        long = "extra-merchant",
        env = "JUSPAY_SIM_EXTRA_MERCHANTS",
        value_delimiter = ',',
        value_parser = parse_account
    )]
    extra_merchants: Vec<MerchantAccount>,
    /// Webhook API version; events introduced later are not sent.
    #[arg(long, env = "JUSPAY_SIM_WEBHOOK_VERSION")]
    webhook_version: Option<String>,
    /// Basic-auth username sent with webhooks.
    #[arg(
        long,
        env = "JUSPAY_SIM_WEBHOOK_USERNAME",
        default_value = "sim_webhook_user"
    )]
    webhook_username: String,
    /// Basic-auth password sent with webhooks.
    #[arg(
        long,
        env = "JUSPAY_SIM_WEBHOOK_PASSWORD",
        default_value = "sim_webhook_password"
    )]
    webhook_password: String,
    /// Response key for return-URL signatures.
    #[arg(
        long,
        env = "JUSPAY_SIM_RESPONSE_KEY",
        default_value = "sim_response_key"
    )]
    response_key: String,
    /// Percent-encode the redirect signature twice.
    #[arg(long, env = "JUSPAY_SIM_DOUBLE_ENCODE_SIGNATURE")]
    double_encode_signature: bool,
    /// Multiplier for simulated delays (0.01 = 100x faster).
    #[arg(long, env = "JUSPAY_SIM_TIME_SCALE", default_value_t = 1.0)]
    time_scale: f64,
    /// Seed for ids and probabilistic behaviour.
    #[arg(long, env = "JUSPAY_SIM_SEED", default_value_t = 7)]
    seed: u64,
    /// Generate demo traffic.
    #[arg(long, env = "JUSPAY_SIM_DEMO_TRAFFIC")]
    demo_traffic: bool,
    /// Where to send JPSL (second gateway) callbacks; none are sent without it.
    #[arg(long, env = "JUSPAY_SIM_JPSL_CALLBACK_URL")]
    jpsl_callback_url: Option<String>,
    /// JPSL merchant id put in the callbacks.
    #[arg(
        long,
        env = "JUSPAY_SIM_JPSL_MERCHANT_ID",
        default_value = "JP2000000000016"
    )]
    jpsl_merchant_id: String,
    /// JPSL secret that keys the callbacks' secureHash.
    #[arg(
        long,
        env = "JUSPAY_SIM_JPSL_SECRET",
        default_value = "jpsl_sim_secret"
    )]
    jpsl_secret: String,
    /// Standard Webhooks secret (`whsec_…`) that deliveries to `/__sim/receiver` are
    /// verified against; without it they are accepted unverified.
    #[arg(long, env = "JUSPAY_SIM_RECEIVER_SECRET", hide_env_values = true)]
    receiver_secret: Option<String>,
}

fn parse_account(text: &str) -> Result<MerchantAccount, String> {
    match text.split_once(':') {
        Some((merchant_id, api_key)) if !merchant_id.is_empty() && !api_key.is_empty() => {
            Ok(MerchantAccount {
                merchant_id: merchant_id.to_owned(),
                api_key: api_key.to_owned(),
            })
        }
        _ => Err(format!("expected MERCHANT_ID:API_KEY, got {text:?}")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let config = SimConfig {
        port: args.port,
        merchant_id: args.merchant_id,
        api_key: args.api_key,
        extra_merchants: args.extra_merchants,
        webhook_url: args.webhook_url,
        webhook_version: args.webhook_version,
        webhook_username: args.webhook_username,
        webhook_password: args.webhook_password,
        response_key: args.response_key,
        double_encode_signature: args.double_encode_signature,
        time_scale: args.time_scale,
        seed: args.seed,
        demo_traffic: args.demo_traffic,
        jpsl: juspay_sim::jpsl::JpslConfig {
            callback_url: args.jpsl_callback_url,
            merchant_id: args.jpsl_merchant_id,
            secret: args.jpsl_secret,
        },
        receiver_secret: args.receiver_secret,
    };
    let simulator = Simulator::start(config).await?;
    writeln!(
        std::io::stdout(),
        "juspay-sim listening on {}",
        simulator.base_url()
    )?;
    tokio::signal::ctrl_c().await?;
    simulator.shutdown().await?;
    Ok(())
}
