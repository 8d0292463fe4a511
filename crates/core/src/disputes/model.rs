//! A dispute as the product holds it: one field per column of `disputes`.

use dashboard_status::{DisputeDecision, DisputeStage, DisputeStatus};
use serde::{Deserialize, Serialize};

/// A stored dispute (columns of `disputes`). Amounts are minor units of `currency`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DisputeRow {
    pub dispute_id: String,
    pub order_id: Option<String>,
    pub txn_id: Option<String>,
    pub gateway: Option<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub status: DisputeStatus,
    pub stage: DisputeStage,
    pub reason: Option<String>,
    /// When a response is due (epoch ms), if Juspay said.
    pub respond_by: Option<i64>,
    pub juspay_created_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// The merchant's latest decision (accept or contest), recorded by staff.
    pub decision: Option<DisputeDecision>,
    pub decided_at: Option<i64>,
    /// The last report as Juspay sent it (JSON).
    pub last_report: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl DisputeRow {
    /// The dispute waits on the merchant: Juspay asks for a response and staff have not
    /// recorded a decision yet.
    pub fn awaits_response(&self) -> bool {
        self.status.needs_response() && self.decision.is_none()
    }
}

/// One thing staff recorded about a dispute: a decision or a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DisputeResponseRow {
    pub id: i64,
    pub dispute_id: String,
    pub decision: Option<DisputeDecision>,
    pub note: String,
    pub actor: String,
    pub at: i64,
}

/// An evidence file's description (its content is read only when downloaded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EvidenceRow {
    pub id: i64,
    pub response_id: i64,
    pub dispute_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub at: i64,
}
