//! Generated inputs for fuzzing every door the product opens to the outside (webhooks,
//! callbacks, return URLs, the merchant API, server functions) on stable Rust. The
//! strategies mix raw bytes, JSON shaped like Juspay's (its real field names, any value
//! type, nested), mutations of a valid sample (fields replaced, removed or added at any
//! depth) and form bodies; [`draw`] takes N of them in a loop for doors that need `async`.
//! How many: `FUZZ_CASES` (proptest's own `PROPTEST_CASES` for the `proptest!` blocks).

use proptest::{
    prelude::*,
    strategy::ValueTree,
    test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
};
use serde_json::{Map, Value};

/// Field names the doors read, so generated objects reach past the first lookup.
const KEYS: &[&str] = &[
    "id",
    "event_name",
    "date_created",
    "content",
    "order",
    "order_id",
    "status",
    "status_id",
    "amount",
    "currency",
    "txn_id",
    "txn_uuid",
    "txn_detail",
    "payment_gateway_response",
    "refunds",
    "unique_request_id",
    "ref",
    "mandate",
    "mandate_id",
    "dispute",
    "chargeback",
    "amount_refunded",
    "payment_method_type",
    "payment_method",
    "gateway_id",
    "customer_email",
    "customer_phone",
    "metadata",
    "object_reference_id",
    "last_updated",
    "dispute_status",
    "captured_amount",
    "initiated_by",
    "merchantId",
    "orderId",
    "secureHash",
    "signature",
    "signature_algorithm",
    "first_name",
    "return_url",
    "pre_auth",
];

/// Values that sit on the edges of what the doors accept.
const EDGES: &[&str] = &[
    "",
    "CHARGED",
    "PENDING_VBV",
    "AUTHORIZED",
    "SUCCESS",
    "ORDER_SUCCEEDED",
    "ORDER_REFUNDED",
    "CHARGEBACK_RECEIVED",
    "MANDATE_REVOKED",
    "100.00",
    "-1",
    "0",
    "0.001",
    "1e400",
    "NaN",
    "99999999999999999999999",
    "INR",
    "JPY",
    "KWD",
    "XXX",
    "2026-11-23T07:00:00Z",
    "2026-13-45T99:00:00Z",
    "null",
    "\u{0}",
    "\u{202e}",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,24}".prop_map(Value::from),
        prop::sample::select(EDGES).prop_map(Value::from),
    ]
}

/// An object key: mostly a real field name, sometimes anything.
pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

/// Any JSON value up to four levels deep, objects keyed mostly by real field names.
pub fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every path (as keys and indices) inside `value`, the root included.
fn paths(value: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                here.push(Step::Key(k.clone()));
                paths(v, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                here.push(Step::Index(i));
                paths(v, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::Index(i) => v.get_mut(*i),
    })
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(Value),
    Remove,
    Add(String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => json_value().prop_map(Edit::Replace),
        1 => Just(Edit::Remove),
        1 => (key(), json_value()).prop_map(|(k, v)| Edit::Add(k, v)),
    ]
}

fn apply(mut sample: Value, edits: Vec<(prop::sample::Index, Edit)>) -> Value {
    for (index, edit) in edits {
        let mut all = Vec::new();
        paths(&sample, &mut Vec::new(), &mut all);
        let path = index.get(&all).clone();
        match edit {
            Edit::Replace(v) => {
                if let Some(slot) = at(&mut sample, &path) {
                    *slot = v;
                }
            }
            Edit::Remove => {
                if let Some((Step::Key(k), parent)) = path.split_last()
                    && let Some(Value::Object(map)) = at(&mut sample, parent)
                {
                    map.remove(k);
                }
            }
            Edit::Add(k, v) => {
                if let Some(Value::Object(map)) = at(&mut sample, &path) {
                    map.insert(k, v);
                }
            }
        }
    }
    sample
}

/// `sample` with one to four random edits anywhere inside it.
pub fn mutated(sample: Value) -> impl Strategy<Value = Value> {
    prop::collection::vec((any::<prop::sample::Index>(), edit()), 1..5)
        .prop_map(move |edits| apply(sample.clone(), edits))
}

/// A request body: raw bytes, any JSON, a mutated sample, or the sample cut short.
pub fn body(sample: Value) -> impl Strategy<Value = Vec<u8>> {
    let text = sample.to_string();
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        4 => mutated(sample).prop_map(|v| v.to_string().into_bytes()),
        1 => (0..text.len().max(1)).prop_map(move |cut| text.as_bytes()[..cut.min(text.len())].to_vec()),
    ]
}

/// A form body (`application/x-www-form-urlencoded`) of real and random field names with
/// edge or random values, sometimes with broken percent-encoding.
pub fn form(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    let name = prop_oneof![
        4 => prop::sample::select(names).prop_map(str::to_owned),
        1 => key(),
    ];
    let value = prop_oneof![
        prop::sample::select(EDGES).prop_map(str::to_owned),
        "\\PC{0,20}",
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    prop_oneof![
        6 => prop::collection::vec((name, value), 0..8).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&")
        }),
        1 => "[%&=a-z0-9\\[\\]]{0,40}",
    ]
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How many inputs to try per door: `FUZZ_CASES`, else `default`.
pub fn cases(default: usize) -> usize {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` values of `strategy`, from a seed (`FUZZ_SEED`, else random and printed, so a
/// failure can be replayed).
pub fn draw<S: Strategy>(strategy: &S, n: usize) -> Vec<S::Value> {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("fuzz: {n} inputs from FUZZ_SEED={seed}");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("a strategy without filters always yields")
                .current()
        })
        .collect()
}
