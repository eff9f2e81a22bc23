//! The little of DER and X.509 a Sigstore bundle's verification reads: a certificate's signed
//! part, signature, validity, public key, and extensions (the SAN and Fulcio's CI extensions),
//! and ECDSA signatures checked with ring.

use ring::signature::{self, UnparsedPublicKey};

/// One DER element: its tag, its content, and its whole encoding.
#[derive(Clone, Copy)]
pub struct Der<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

/// The first element of `input`, and what follows it.
pub fn read(input: &[u8]) -> Option<(Der<'_>, &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (length, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = input.get(2..2 + count)?;
        (
            bytes.iter().fold(0usize, |n, b| (n << 8) | *b as usize),
            2 + count,
        )
    };
    let end = header.checked_add(length)?;
    let raw = input.get(..end)?;
    Some((
        Der {
            tag,
            content: &raw[header..],
            raw,
        },
        &input[end..],
    ))
}

/// The elements of a constructed value's content.
pub fn children(mut content: &[u8]) -> Option<Vec<Der<'_>>> {
    let mut out = vec![];
    while !content.is_empty() {
        let (element, rest) = read(content)?;
        out.push(element);
        content = rest;
    }
    Some(out)
}

/// An OBJECT IDENTIFIER's content, dotted.
pub fn oid(content: &[u8]) -> String {
    let mut arcs = vec![];
    let mut value = 0u64;
    for (i, byte) in content.iter().enumerate() {
        value = (value << 7) | (byte & 0x7f) as u64;
        if byte & 0x80 == 0 {
            if arcs.is_empty() && i < content.len() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// UTCTime or GeneralizedTime (`...Z`) as Unix seconds.
pub fn time(element: &Der) -> Option<i64> {
    let text = std::str::from_utf8(element.content)
        .ok()?
        .strip_suffix('Z')?;
    let (year, rest) = match element.tag {
        0x17 => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, text.get(2..)?)
        }
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (month, day) = (field(0)?, field(2)?);
    let seconds = field(4)? * 3600 + field(6)? * 60 + field(8)?;
    Some(unix_seconds(year, month, day, seconds))
}

/// A UTC date and the seconds into it as Unix seconds (days from the civil date: Howard
/// Hinnant's algorithm).
pub fn unix_seconds(year: i64, month: i64, day: i64, seconds: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146097 + doe - 719468) * 86400 + seconds
}

pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";

/// An EC public key from its SubjectPublicKeyInfo: its curve and point.
#[derive(Clone)]
pub struct PublicKey {
    curve: &'static str,
    point: Vec<u8>,
}

impl PublicKey {
    pub fn from_spki(spki: &[u8]) -> Option<PublicKey> {
        let (outer, _) = read(spki)?;
        let [algorithm, key] = children(outer.content)?[..] else {
            return None;
        };
        let parts = children(algorithm.content)?;
        if oid(parts.first()?.content) != OID_EC_PUBLIC_KEY {
            return None;
        }
        let curve = match oid(parts.get(1)?.content).as_str() {
            OID_P256 => OID_P256,
            OID_P384 => OID_P384,
            _ => return None,
        };
        // A BIT STRING: its first byte counts unused bits (none in a key).
        Some(PublicKey {
            curve,
            point: key.content.get(1..)?.to_vec(),
        })
    }

    /// Whether `sig` (ASN.1 ECDSA) signs `message` with `hash` (`sha256` or `sha384`).
    pub fn verify(&self, hash: &str, message: &[u8], sig: &[u8]) -> bool {
        let algorithm: &dyn signature::VerificationAlgorithm = match (self.curve, hash) {
            (OID_P256, "sha256") => &signature::ECDSA_P256_SHA256_ASN1,
            (OID_P256, "sha384") => &signature::ECDSA_P256_SHA384_ASN1,
            (OID_P384, "sha256") => &signature::ECDSA_P384_SHA256_ASN1,
            (OID_P384, "sha384") => &signature::ECDSA_P384_SHA384_ASN1,
            _ => return false,
        };
        UnparsedPublicKey::new(algorithm, &self.point)
            .verify(message, sig)
            .is_ok()
    }
}

/// A certificate, read.
pub struct Certificate<'a> {
    pub raw: &'a [u8],
    tbs: &'a [u8],
    hash: &'static str,
    signature: &'a [u8],
    pub issuer: &'a [u8],
    pub subject: &'a [u8],
    pub not_before: i64,
    pub not_after: i64,
    pub public_key: PublicKey,
    extensions: Vec<(String, &'a [u8])>,
}

impl<'a> Certificate<'a> {
    pub fn parse(der: &'a [u8]) -> Option<Certificate<'a>> {
        let (outer, _) = read(der)?;
        let [tbs, algorithm, signature] = children(outer.content)?[..] else {
            return None;
        };
        let hash = match oid(children(algorithm.content)?.first()?.content).as_str() {
            OID_ECDSA_SHA256 => "sha256",
            OID_ECDSA_SHA384 => "sha384",
            _ => return None,
        };
        let mut fields = children(tbs.content)?.into_iter().peekable();
        if fields.peek()?.tag == 0xa0 {
            fields.next(); // version
        }
        let _serial = fields.next()?;
        let _algorithm = fields.next()?;
        let issuer = fields.next()?;
        let validity = children(fields.next()?.content)?;
        let subject = fields.next()?;
        let spki = fields.next()?;
        let mut extensions = vec![];
        for field in fields {
            if field.tag != 0xa3 {
                continue;
            }
            let (list, _) = read(field.content)?;
            for extension in children(list.content)? {
                let parts = children(extension.content)?;
                let id = oid(parts.first()?.content);
                extensions.push((id, parts.last()?.content));
            }
        }
        Some(Certificate {
            raw: outer.raw,
            tbs: tbs.raw,
            hash,
            signature: signature.content.get(1..)?,
            issuer: issuer.raw,
            subject: subject.raw,
            not_before: time(validity.first()?)?,
            not_after: time(validity.get(1)?)?,
            public_key: PublicKey::from_spki(spki.raw)?,
            extensions,
        })
    }

    /// Whether `issuer`'s key signed this certificate (and it names `issuer` as its issuer).
    pub fn signed_by(&self, issuer: &Certificate) -> bool {
        self.issuer == issuer.subject
            && issuer
                .public_key
                .verify(self.hash, self.tbs, self.signature)
    }

    pub fn valid_at(&self, unix: i64) -> bool {
        self.not_before <= unix && unix <= self.not_after
    }

    fn extension(&self, id: &str) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .find(|(oid, _)| oid == id)
            .map(|(_, v)| *v)
    }

    /// A Fulcio extension's text: DER UTF8String (`1.3.6.1.4.1.57264.1.8` and later), or the
    /// raw bytes of the first ones (`.1.1` to `.1.6`).
    pub fn fulcio(&self, arc: u32) -> Option<String> {
        let value = self.extension(&format!("1.3.6.1.4.1.57264.1.{arc}"))?;
        let text = match (arc >= 8, read(value)) {
            (true, Some((string, _))) => string.content,
            _ => value,
        };
        String::from_utf8(text.to_vec()).ok()
    }

    /// The SAN's URI (a workflow) or email.
    pub fn subject_alternative_name(&self) -> Option<String> {
        let (names, _) = read(self.extension(OID_SUBJECT_ALT_NAME)?)?;
        children(names.content)?
            .into_iter()
            .find(|n| n.tag == 0x86 || n.tag == 0x81)
            .and_then(|n| String::from_utf8(n.content.to_vec()).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_and_times_read_as_written() {
        assert_eq!(
            oid(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
            OID_EC_PUBLIC_KEY
        );
        let utc = |text: &str| {
            time(&Der {
                tag: 0x17,
                content: text.as_bytes(),
                raw: &[],
            })
        };
        assert_eq!(utc("700101000000Z"), Some(0));
        assert_eq!(utc("261207171241Z"), Some(1796663561));
        let general = Der {
            tag: 0x18,
            content: b"20500101000000Z",
            raw: &[],
        };
        assert_eq!(time(&general), Some(2524608000));
    }
}
