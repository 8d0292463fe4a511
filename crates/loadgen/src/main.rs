//! `loadgen`: the measuring tools behind `scripts/bench`, `scripts/chaos` and
//! `scripts/soak`. It floods the webhook endpoint (`ingest`), waits for the app to process
//! what it acknowledged (`drain`), measures what the bare database can do with the same
//! insert (`ceiling`), drives the Juspay simulator (`pay`), refunds as staff (`refund`),
//! checks after a chaos run that every acknowledged event is stored once and processed
//! (`chaos-verify`) and that the app's orders and refunds equal the simulator's
//! (`state-verify`); it handles mandates as staff during a fault storm (`mandates`) and
//! checks them against the simulator's (`mandate-verify`). For the orders pages it
//! bulk-seeds orders (`seed-orders`) and times browsing them (`orders`); a soak run browses
//! like staff on duty (`browse`).

mod app;
mod browse;
mod ceiling;
mod cpu;
mod db;
mod drain;
mod event;
mod ingest;
mod load;
mod mandates;
mod pay;
mod reconcile;
mod refund;
mod seed;
mod soak;
mod stats;
mod verify;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Load generator and checker for the dashboard's webhook ingest.
#[derive(Debug, Parser)]
#[command(name = "loadgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Post fresh webhook events to the app from N senders for a fixed time.
    Ingest(ingest::IngestArgs),
    /// Wait for the app to process the events an ingest run left pending; report the lag.
    Drain(drain::DrainArgs),
    /// The same durable single-row insert per event, straight into the database.
    Ceiling(ceiling::CeilingArgs),
    /// Create and pay orders at the simulator, so that it sends one webhook per order.
    Pay(pay::PayArgs),
    /// Compare the simulator's acknowledged events with the database after a chaos run.
    ChaosVerify(verify::VerifyArgs),
    /// Refund a run's charged orders as staff, resubmitting each form until answered.
    Refund(refund::RefundArgs),
    /// Compare the app's orders and refunds with the simulator's, waiting until equal.
    StateVerify(reconcile::StateVerifyArgs),
    /// Register mandates at the simulator and pause, resume, revoke, debit and check them as
    /// staff, pressing again after errors the way a person would.
    Mandates(mandates::MandatesArgs),
    /// Compare the app's mandates and their debits with the simulator's, waiting until equal.
    MandateVerify(mandates::MandateVerifyArgs),
    /// Browse the dashboard's pages as signed-in staff for a while (soak runs).
    Browse(soak::BrowseArgs),
    /// Bulk-insert N realistic orders into a migrated database (for `orders`).
    SeedOrders(seed::SeedArgs),
    /// Sign in and time the orders list, filtered list, search and detail pages.
    Orders(browse::OrdersArgs),
    /// The app's CPU time per page over sequential requests, beside the page's data reads.
    Cpu(cpu::CpuArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Ingest(args) => ingest::run(&args).await,
        Command::Drain(args) => drain::run(&args).await,
        Command::Ceiling(args) => ceiling::run(&args).await,
        Command::Pay(args) => pay::run(&args).await,
        Command::ChaosVerify(args) => verify::run(&args).await,
        Command::Refund(args) => refund::run(&args).await,
        Command::StateVerify(args) => reconcile::run(&args).await,
        Command::Mandates(args) => mandates::run(&args).await,
        Command::MandateVerify(args) => mandates::verify(&args).await,
        Command::Browse(args) => soak::run(&args).await,
        Command::SeedOrders(args) => seed::run(&args).await,
        Command::Orders(args) => browse::run(&args).await,
        Command::Cpu(args) => cpu::run(&args).await,
    };
    match outcome {
        Ok(success) => {
            if success {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "loadgen: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Prints a result: the JSON object for scripts, or the human lines.
fn print_report(json: bool, value: &serde_json::Value, human: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "{human}")?;
    }
    Ok(())
}
