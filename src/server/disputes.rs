//! `POST /disputes/{id}/responses`: staff record a decision or a note about a dispute,
//! with evidence files, as a multipart form (a plain HTML form, so it works with and
//! without JavaScript); `GET /disputes/{id}/evidence/{file}` sends a file back.
//!
//! Invariant: nothing is stored unless every part is valid; a refused form goes back to
//! the dispute page with the reason and the typed note and decision kept in the address
//! (files must be chosen again: browsers never refill a file input).

use axum::{
    Extension,
    extract::{Multipart, Path, State, multipart::MultipartRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use dashboard_core::{
    disputes::{
        evidence::{check_evidence, clean_file_name},
        responses::{NewEvidence, NewResponse},
    },
    report::Chain,
    staff::audit::AuditEntry,
};
use dashboard_status::{DisputeDecision, Role};
use tower_sessions::Session;

use super::{
    context::FLASH_KEY,
    middleware::{CurrentUser, RequestMeta},
    state::AppState,
};
use crate::serverfns::encode;

/// Files one response may carry.
pub const MAX_FILES: usize = 5;

/// The request body limit of the response route: every file at its largest, plus the
/// note and the multipart framing.
pub fn body_limit(evidence_max_bytes: usize) -> usize {
    evidence_max_bytes * MAX_FILES + 64 * 1024
}

pub async fn record_response(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    meta: Option<Extension<RequestMeta>>,
    session: Session,
    Path(dispute_id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let Some(Extension(CurrentUser(user))) = user else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    if user.role < Role::Operator {
        return (
            StatusCode::FORBIDDEN,
            "Only operators and admins record dispute responses.",
        )
            .into_response();
    }
    let meta = meta.map(|Extension(m)| m).unwrap_or_default();
    let form = match multipart {
        Ok(multipart) => read_form(multipart, state.config.disputes.evidence_max_bytes).await,
        Err(_) => Err((Fields::default(), "The form could not be read.".to_owned())),
    };
    let page = format!("/disputes/{}", encode(&dispute_id));
    let (fields, files) = match form {
        Ok(read) => read,
        Err((fields, error)) => return back_with_error(&page, &fields, &error),
    };
    let note = fields.note.trim().to_owned();
    if note.is_empty() {
        return back_with_error(
            &page,
            &fields,
            "Write a note: what was decided, and what was sent to whom.",
        );
    }
    let decision = match fields.decision.as_str() {
        "" => None,
        text => match DisputeDecision::from(text) {
            DisputeDecision::Other(_) => {
                return back_with_error(&page, &fields, "Choose accept, contest or note only.");
            }
            known => Some(known),
        },
    };
    let audit = AuditEntry {
        actor: user.username.clone(),
        action: "dispute.respond".to_owned(),
        target: dispute_id.clone(),
        detail: String::new(),
        client_ip: meta.client_ip.clone(),
        trace_id: meta.trace_id.clone(),
    };
    let response = NewResponse {
        dispute_id: dispute_id.clone(),
        decision,
        note,
        evidence: files,
    };
    match state.store.respond_to_dispute(&response, &audit).await {
        Ok(Some(_)) => {
            let message = match &response.decision {
                Some(d) => format!("Dispute {dispute_id}: {} recorded.", d.label()),
                None => format!("Dispute {dispute_id}: note recorded."),
            };
            if let Err(e) = session.insert(FLASH_KEY, message).await {
                tracing::warn!(error = %Chain(&e), "could not store flash message");
            }
            Redirect::to(&page).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "No such dispute.").into_response(),
        Err(e) => {
            tracing::error!(error = %Chain(&e), trace_id = %meta.trace_id, "dispute response failed");
            back_with_error(
                &page,
                &fields,
                &format!(
                    "The response could not be recorded; nothing was saved (trace {}).",
                    meta.trace_id
                ),
            )
        }
    }
}

/// The text fields of the form, kept to refill it after a refusal.
#[derive(Debug, Default)]
struct Fields {
    decision: String,
    note: String,
}

async fn read_form(
    mut multipart: Multipart,
    max_bytes: usize,
) -> Result<(Fields, Vec<NewEvidence>), (Fields, String)> {
    let mut fields = Fields::default();
    let mut files = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                let message = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    format!(
                        "The files are too large: at most {MAX_FILES} files of {max_bytes} bytes each."
                    )
                } else {
                    "The form could not be read.".to_owned()
                };
                return Err((fields, message));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let Ok(bytes) = field.bytes().await else {
            return Err((
                fields,
                format!("The files are too large: at most {max_bytes} bytes each."),
            ));
        };
        match name.as_str() {
            "decision" => fields.decision = String::from_utf8_lossy(&bytes).trim().to_owned(),
            "note" => fields.note = String::from_utf8_lossy(&bytes).into_owned(),
            "evidence" => {
                let file_name = file_name.unwrap_or_default();
                // A file input left empty still sends a part, without a name or content.
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                if files.len() == MAX_FILES {
                    return Err((fields, format!("At most {MAX_FILES} files per response.")));
                }
                let file_name = clean_file_name(&file_name);
                match check_evidence(&bytes, max_bytes) {
                    Ok(content_type) => files.push(NewEvidence {
                        file_name,
                        content_type: content_type.to_owned(),
                        content: bytes.to_vec(),
                    }),
                    Err(e) => return Err((fields, format!("{file_name}: {e}."))),
                }
            }
            _ => {}
        }
    }
    Ok((fields, files))
}

fn back_with_error(page: &str, fields: &Fields, error: &str) -> Response {
    Redirect::to(&format!(
        "{page}?error={}&decision={}&note={}",
        encode(error),
        encode(&fields.decision),
        encode(&fields.note)
    ))
    .into_response()
}

pub async fn download_evidence(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Path((dispute_id, file_id)): Path<(String, i64)>,
) -> Response {
    if user.is_none() {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    }
    match state.store.read_evidence(&dispute_id, file_id).await {
        Ok(Some((file, content))) => {
            let ascii: String = file
                .file_name
                .chars()
                .map(|c| if c.is_ascii() { c } else { '_' })
                .collect();
            let disposition = format!(
                "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                encode(&file.file_name)
            );
            (
                [
                    (header::CONTENT_TYPE, file.content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                ],
                content,
            )
                .into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "No such file.").into_response(),
        Err(e) => {
            tracing::error!(error = %Chain(&e), "evidence download failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The file could not be read.",
            )
                .into_response()
        }
    }
}
