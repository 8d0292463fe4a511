//! Percent-encoding helpers shared by request paths (§2) and the return-URL signature (§10).
//!
//! Invariant: encoding works on UTF-8 bytes and only ever leaves the flavour's
//! unreserved set unescaped, so encoded output is plain ASCII.
//!
//! Section numbers (§) refer to docs/juspay.md, the wire format as this project implements it.

/// Which set of characters is left unescaped.
///
/// §10 does not say which flavour Juspay uses for the return-URL signature (open question 7),
/// so the signature verifier tries all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PercentEncoding {
    /// RFC 3986 unreserved set: `A-Z a-z 0-9 - . _ ~`; space becomes `%20`.
    Rfc3986,
    /// JavaScript `encodeURIComponent`: RFC 3986 set plus `! * ' ( )`.
    UriComponent,
    /// `application/x-www-form-urlencoded`: `A-Z a-z 0-9 * - . _`; space becomes `+`.
    Form,
}

impl PercentEncoding {
    /// All flavours, in the order the signature verifier tries them.
    pub const ALL: [Self; 3] = [Self::Rfc3986, Self::UriComponent, Self::Form];

    fn keeps(self, byte: u8) -> bool {
        let unreserved = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_');
        match self {
            Self::Rfc3986 => unreserved || byte == b'~',
            Self::UriComponent => {
                unreserved || matches!(byte, b'~' | b'!' | b'*' | b'\'' | b'(' | b')')
            }
            Self::Form => unreserved || byte == b'*',
        }
    }

    /// Percent-encodes `input` with this flavour (upper-case hex digits).
    pub fn encode(self, input: &str) -> String {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut out = String::with_capacity(input.len());
        for &byte in input.as_bytes() {
            if self.keeps(byte) {
                out.push(char::from(byte));
            } else if self == Self::Form && byte == b' ' {
                out.push('+');
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
        out
    }
}

/// Encodes one URL path segment so ids containing `/`, `?`, `#` or spaces cannot change
/// the route (§4.1 allows `( ) { } + ~ .` in order ids).
pub(crate) fn encode_path_segment(segment: &str) -> String {
    PercentEncoding::Rfc3986.encode(segment)
}

/// Decodes `%XX` escapes once; `+` is left alone because base64 signatures contain it.
/// Malformed escapes are kept literally rather than rejected.
pub(crate) fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        if let Some((hi, lo)) = escaped {
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Flat form fields in request order; nested parameters use dotted keys (§2.5).
pub(crate) type Fields = Vec<(String, String)>;

/// Appends `key=value`.
pub(crate) fn push(fields: &mut Fields, key: &str, value: impl Into<String>) {
    fields.push((key.to_owned(), value.into()));
}

/// Appends `key=value` when a value is present.
pub(crate) fn push_opt(fields: &mut Fields, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        push(fields, key, value);
    }
}

/// Serialises fields as an `application/x-www-form-urlencoded` body.
pub(crate) fn form_body(fields: &Fields) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .finish()
}

/// The same fields as a JSON object with literal dotted keys, the shape §2.5 documents for
/// `/session`.
pub(crate) fn json_body(fields: &Fields) -> serde_json::Value {
    serde_json::Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_segment_with_slash_and_space_is_escaped() {
        assert_eq!(encode_path_segment("a/b c?d"), "a%2Fb%20c%3Fd");
        assert_eq!(encode_path_segment("ord-1_x.y~z"), "ord-1_x.y~z");
    }

    #[test]
    fn flavours_differ_on_space_and_brackets() {
        assert_eq!(PercentEncoding::Rfc3986.encode("a b(c)"), "a%20b%28c%29");
        assert_eq!(PercentEncoding::UriComponent.encode("a b(c)"), "a%20b(c)");
        assert_eq!(PercentEncoding::Form.encode("a b(c)"), "a+b%28c%29");
    }

    #[test]
    fn decoding_undoes_one_layer_and_keeps_plus_signs() {
        assert_eq!(percent_decode("ab%253D+c"), "ab%3D+c");
        assert_eq!(percent_decode("ab%3D"), "ab=");
        assert_eq!(percent_decode("bad%zz%"), "bad%zz%");
    }
}
