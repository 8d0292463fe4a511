//! Which files staff may attach as dispute evidence: a size limit, and a type recognised
//! from the content itself (never from the name or the browser's claim), so a file served
//! back for download is what it says it is.

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("only PDF, PNG, JPEG or plain-text files are accepted")]
    UnsupportedType,
}

/// The content type of `content` when it is an accepted evidence file within `max` bytes.
pub fn check_evidence(content: &[u8], max: usize) -> Result<&'static str, EvidenceError> {
    if content.is_empty() {
        return Err(EvidenceError::Empty);
    }
    if content.len() > max {
        return Err(EvidenceError::TooLarge { max });
    }
    if content.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if content.starts_with(b"\xff\xd8\xff") {
        Ok("image/jpeg")
    } else if std::str::from_utf8(content).is_ok_and(|text| {
        !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    }) {
        Ok("text/plain; charset=utf-8")
    } else {
        Err(EvidenceError::UnsupportedType)
    }
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path
/// segment, printable characters other than quotes, at most 120 characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "evidence".to_owned()
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_recognised_by_its_content_and_refused_when_empty_large_or_binary() {
        assert_eq!(check_evidence(b"%PDF-1.7\n...", 100), Ok("application/pdf"));
        assert_eq!(
            check_evidence(b"\x89PNG\r\n\x1a\n\0\0", 100),
            Ok("image/png")
        );
        assert_eq!(check_evidence(b"\xff\xd8\xff\xe0", 100), Ok("image/jpeg"));
        assert_eq!(
            check_evidence(
                "Delivered on 3 Dec, signed by the customer.\n".as_bytes(),
                100
            ),
            Ok("text/plain; charset=utf-8")
        );
        assert_eq!(check_evidence(b"", 100), Err(EvidenceError::Empty));
        assert_eq!(
            check_evidence(&[b'a'; 101], 100),
            Err(EvidenceError::TooLarge { max: 100 })
        );
        assert_eq!(
            check_evidence(b"MZ\x90\0\x03", 100),
            Err(EvidenceError::UnsupportedType)
        );
    }

    #[test]
    fn a_file_name_keeps_its_last_segment_without_quotes_or_control_characters() {
        assert_eq!(clean_file_name("C:\\docs\\proof \"1\".pdf"), "proof 1.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("\n"), "evidence");
    }
}
