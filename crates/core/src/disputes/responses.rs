//! What staff record about a dispute: a decision (accept or contest) or a note, with
//! evidence files. Juspay publishes no API to submit evidence, so this is the merchant's
//! record of what was decided and sent, kept with its files.
//!
//! Invariant: a response, its files, the dispute's decision and the audit row are written
//! in one transaction, under the same lock as Juspay's reports about the dispute.

use dashboard_status::DisputeDecision;

use crate::{
    clock::now_millis,
    disputes::{
        model::{DisputeResponseRow, EvidenceRow},
        store::DISPUTE_COLUMNS,
    },
    staff::audit::AuditEntry,
    store::{Store, StoreError, on_pool, on_tx, select_sql},
};

/// A file to attach, already checked by [`crate::disputes::evidence::check_evidence`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A response as staff submit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResponse {
    pub dispute_id: String,
    pub decision: Option<DisputeDecision>,
    pub note: String,
    pub evidence: Vec<NewEvidence>,
}

const EVIDENCE_COLUMNS: &str =
    "id, response_id, dispute_id, file_name, content_type, size_bytes, sha256, at";

impl Store {
    /// Records `response` (and sets the dispute's decision when it makes one). `Ok(None)`
    /// when the dispute does not exist.
    pub async fn respond_to_dispute(
        &self,
        response: &NewResponse,
        audit: &AuditEntry,
    ) -> Result<Option<i64>, StoreError> {
        use sha2::{Digest, Sha256};
        let at = now_millis();
        let mut tx = self.begin().await?;
        tx.lock_key(&format!("dispute:{}", response.dispute_id))
            .await?;
        let sql = select_sql("disputes", DISPUTE_COLUMNS[0], "dispute_id");
        let exists: Option<String> = on_tx!(&mut tx, t => sqlx::query_scalar(&sql)
            .bind(&response.dispute_id).fetch_optional(&mut **t).await)?;
        if exists.is_none() {
            return Ok(None);
        }
        let id: i64 = on_tx!(&mut tx, t => sqlx::query_scalar(
            "INSERT INTO dispute_responses (dispute_id, decision, note, actor, at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(&response.dispute_id)
            .bind(&response.decision)
            .bind(&response.note)
            .bind(&audit.actor)
            .bind(at)
            .fetch_one(&mut **t).await)?;
        for file in &response.evidence {
            let sha256: String = Sha256::digest(&file.content)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            on_tx!(&mut tx, t => sqlx::query(
                "INSERT INTO dispute_evidence (response_id, dispute_id, file_name, \
                 content_type, size_bytes, sha256, content, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(id)
                .bind(&response.dispute_id)
                .bind(&file.file_name)
                .bind(&file.content_type)
                .bind(file.content.len() as i64)
                .bind(sha256)
                .bind(&file.content)
                .bind(at)
                .execute(&mut **t).await.map(|_| ()))?;
        }
        if let Some(decision) = &response.decision {
            on_tx!(&mut tx, t => sqlx::query(
                "UPDATE disputes SET decision = $1, decided_at = $2 WHERE dispute_id = $3")
                .bind(decision)
                .bind(at)
                .bind(&response.dispute_id)
                .execute(&mut **t).await.map(|_| ()))?;
        }
        let mut audit = audit.clone();
        audit.target = response.dispute_id.clone();
        audit.detail = format!(
            "{}{} file(s): {}",
            response
                .decision
                .as_ref()
                .map(|d| format!("{}; ", d.label()))
                .unwrap_or_default(),
            response.evidence.len(),
            response.note
        );
        tx.audit(&audit).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// What staff recorded about a dispute, oldest first.
    pub async fn list_dispute_responses(
        &self,
        dispute_id: &str,
    ) -> Result<Vec<DisputeResponseRow>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, DisputeResponseRow>(
            "SELECT id, dispute_id, decision, note, actor, at FROM dispute_responses \
             WHERE dispute_id = $1 ORDER BY id")
            .bind(dispute_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// The evidence files of a dispute (without their content), oldest first.
    pub async fn list_dispute_evidence(
        &self,
        dispute_id: &str,
    ) -> Result<Vec<EvidenceRow>, StoreError> {
        let sql = format!(
            "SELECT {EVIDENCE_COLUMNS} FROM dispute_evidence WHERE dispute_id = $1 ORDER BY id"
        );
        let rows = on_pool!(self, p => sqlx::query_as::<_, EvidenceRow>(&sql)
            .bind(dispute_id).fetch_all(p).await)?;
        Ok(rows)
    }

    /// One evidence file of `dispute_id` with its content.
    pub async fn read_evidence(
        &self,
        dispute_id: &str,
        id: i64,
    ) -> Result<Option<(EvidenceRow, Vec<u8>)>, StoreError> {
        let sql = format!(
            "SELECT {EVIDENCE_COLUMNS} FROM dispute_evidence WHERE dispute_id = $1 AND id = $2"
        );
        let row = on_pool!(self, p => sqlx::query_as::<_, EvidenceRow>(&sql)
            .bind(dispute_id).bind(id).fetch_optional(p).await)?;
        let Some(row) = row else { return Ok(None) };
        let content: Vec<u8> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT content FROM dispute_evidence WHERE id = $1")
            .bind(id).fetch_one(p).await)?;
        Ok(Some((row, content)))
    }
}
