//! Distributed traces. Every request is a span whose OpenTelemetry trace id is the
//! request's trace id: the one answered in `x-request-id`, logged, written into audit rows
//! and shown to staff on error pages. Calls to Juspay, outbound deliveries and the later
//! processing of a stored webhook are spans of the same trace (the first two send W3C
//! `traceparent`; the webhook keeps its request's `traceparent` in the database). Spans
//! leave the process over OTLP/HTTP only when `telemetry.otlp_endpoint` is set. An incoming
//! `traceparent` is continued only with `telemetry.accept_traceparent`, because it chooses
//! the trace id written into the audit log.

use axum::http::{HeaderValue, Request};
use dashboard_core::config::TelemetryConfig;
use juspay::trace_context::{TRACEPARENT, continue_trace, parse_traceparent};
use opentelemetry::trace::{SpanContext, TraceFlags, TraceId, TraceState};
use opentelemetry_sdk::{
    Resource,
    trace::{IdGenerator, RandomIdGenerator, SdkTracerProvider},
};

/// The tracer provider: exporting over OTLP/HTTP in batches when an endpoint is set, else
/// keeping spans in the process (their contexts still propagate). An exporter that cannot
/// be built is reported and tracing goes on without export.
pub fn tracer_provider(config: &TelemetryConfig) -> SdkTracerProvider {
    let resource = Resource::builder()
        .with_service_name(config.service_name.clone())
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let Some(endpoint) = &config.otlp_endpoint else {
        return builder.build();
    };
    use opentelemetry_otlp::WithExportConfig as _;
    match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .build()
    {
        Ok(exporter) => builder.with_batch_exporter(exporter).build(),
        Err(e) => {
            eprintln!(
                "telemetry.otlp_endpoint: the OTLP exporter cannot start ({e}); spans are not exported"
            );
            builder.build()
        }
    }
}

/// The trace id of a trusted incoming `traceparent`.
fn accepted_parent<B>(req: &Request<B>, accept: bool) -> Option<SpanContext> {
    accept
        .then(|| req.headers().get(TRACEPARENT)?.to_str().ok())
        .flatten()
        .and_then(parse_traceparent)
}

/// Mints the request's trace id (32 lowercase hex, a valid W3C trace id), or takes the
/// incoming `traceparent`'s when `accept` is on.
pub fn trace_id_maker<B>(accept: bool) -> impl Fn(&Request<B>) -> Option<HeaderValue> + Clone {
    move |req| {
        let trace_id = accepted_parent(req, accept).map_or_else(
            || RandomIdGenerator::default().new_trace_id(),
            |p| p.trace_id(),
        );
        HeaderValue::from_str(&trace_id.to_string()).ok()
    }
}

/// Makes the request's span part of its trace: the child of the accepted caller's span,
/// else of a remote root with the minted trace id, so the span's trace id is the one
/// staff see.
pub fn join_request_trace<B>(span: &tracing::Span, req: &Request<B>, accept: bool) {
    let minted = req
        .headers()
        .get(super::middleware::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| TraceId::from_hex(v).ok());
    let Some(trace_id) = minted else { return };
    let parent = accepted_parent(req, accept)
        .filter(|p| p.trace_id() == trace_id)
        .unwrap_or_else(|| {
            SpanContext::new(
                trace_id,
                RandomIdGenerator::default().new_span_id(),
                TraceFlags::SAMPLED,
                true,
                TraceState::default(),
            )
        });
    continue_trace(span, parent);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_trace_id_is_fresh_w3c_hex_and_a_callers_is_taken_only_when_accepted() {
        let mut req = Request::new(());
        req.headers_mut().insert(
            TRACEPARENT,
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        let mint = |accept: bool| trace_id_maker::<()>(accept)(&req).unwrap();
        let (a, b) = (mint(false), mint(false));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.as_bytes().iter().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(mint(true), "4bf92f3577b34da6a3ce929d0e0e4736");
    }
}
