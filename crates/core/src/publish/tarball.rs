//! Package tarballs as npm makes and reads them: a gzipped tar whose entries sit under one
//! folder (`package/`), with fixed modes and mtimes so that the same files give the same bytes.

use std::io::Read;
use std::path::Component;

use base64::Engine;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use ring::digest;
use serde_json::Value;

use crate::error::{Error, Result};

/// What a tarball may unpack to at most: npm's registry refuses packages far smaller.
pub const MAX_UNPACKED: u64 = 512 * 1024 * 1024;
/// What the tar stream may inflate to at most, headers and padding included: without it a
/// pax or long-name entry of gigabytes, which the tar reader holds in memory, or entries
/// skipped unread, would inflate without end.
const MAX_INFLATED: u64 = MAX_UNPACKED + 128 * 1024 * 1024;
const MAX_ENTRIES: usize = 100_000;
/// Files whose contents the manifest steps read (package.json, the README, AUTHORS).
const MAX_READ: u64 = 8 * 1024 * 1024;

/// npm pack's mtime for every entry (node-tar `portable` with pacote's fixed date).
const NPM_MTIME: u64 = 499_162_500; // 1985-10-26T08:15:00Z

/// A tarball's bytes with what npm computes from them.
#[derive(Debug, Clone)]
pub struct Tarball {
    pub bytes: Vec<u8>,
    /// The paths of its files, relative to the package folder (`lib/index.js`).
    pub files: Vec<String>,
    /// `package.json`, as written in the tarball.
    pub package_json: Value,
    /// The README and AUTHORS files npm's manifest steps read: `(path, text)`.
    pub texts: Vec<(String, String)>,
}

impl Tarball {
    /// Reads a tarball: its files, package.json and the texts the manifest needs.
    /// `what` names the option it came from, for errors.
    pub fn read(bytes: Vec<u8>, what: &str) -> Result<Tarball> {
        let bad = |why: String| {
            Error::invalid_input(
                what,
                format!("`{what}` is not an npm package tarball: {why}"),
            )
        };
        let mut archive = tar::Archive::new(Capped {
            inner: GzDecoder::new(bytes.as_slice()),
            left: MAX_INFLATED,
        });
        let mut files = Vec::new();
        let mut package_json = None;
        let mut texts = Vec::new();
        let mut unpacked = 0u64;
        let entries = archive.entries().map_err(|e| bad(e.to_string()))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| bad(e.to_string()))?;
            let path = entry.path().map_err(|e| bad(e.to_string()))?;
            // npm pack writes every entry under `package/`: nothing that leaves it.
            if path.components().any(|c| {
                matches!(
                    c,
                    Component::ParentDir | Component::RootDir | Component::Prefix(_)
                )
            }) {
                return Err(bad(format!(
                    "its entry {} is outside the package folder",
                    path.display()
                )));
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            unpacked += entry.size();
            if unpacked > MAX_UNPACKED || files.len() >= MAX_ENTRIES {
                return Err(bad(
                    "it unpacks to more than 512 MiB or 100,000 files".into()
                ));
            }
            // pacote strips the first folder, whatever its name.
            let inner: Vec<String> = path
                .components()
                .skip(1)
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if inner.is_empty() {
                continue;
            }
            let inner = inner.join("/");
            if inner
                .split('/')
                .any(|part| part.eq_ignore_ascii_case(".npmrc"))
            {
                return Err(bad(format!(
                    "it holds {inner}, which npm never packs (an .npmrc may hold a token)"
                )));
            }
            let wanted = inner == "package.json" || is_text_npm_reads(&inner);
            if wanted && entry.size() <= MAX_READ {
                let mut text = String::new();
                entry
                    .read_to_string(&mut text)
                    .map_err(|e| bad(format!("{inner}: {e}")))?;
                if inner == "package.json" {
                    package_json =
                        Some(serde_json::from_str::<Value>(&text).map_err(|e| {
                            bad(format!("its package.json is not valid JSON ({e})"))
                        })?);
                } else {
                    texts.push((inner.clone(), text));
                }
            }
            if inner == "package.json" && entry.size() > MAX_READ {
                return Err(bad("its package.json is larger than 8 MiB".into()));
            }
            files.push(inner);
        }
        let package_json = match package_json {
            Some(json @ Value::Object(_)) => json,
            Some(_) => return Err(bad("its package.json is not an object".into())),
            None => return Err(bad("it has no package/package.json".into())),
        };
        Ok(Tarball {
            bytes,
            files,
            package_json,
            texts,
        })
    }

    /// Packs `files` (`(path in the package, contents, mode)`) as npm pack does: node-tar's
    /// portable headers, byte for byte (see `node_tar`), gzipped at level 9.
    pub fn pack(files: Vec<(String, Vec<u8>, u32)>) -> Result<Tarball> {
        use std::io::Write;
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
        let write_failed =
            |e: std::io::Error| Error::invalid_input("folder", format!("Could not pack: {e}"));
        for (path, contents, mode) in &files {
            let entry = node_tar::entry(&format!("package/{path}"), *mode, contents.len() as u64);
            gz.write_all(&entry).map_err(write_failed)?;
            gz.write_all(contents).map_err(write_failed)?;
            let padding = (512 - contents.len() % 512) % 512;
            gz.write_all(&vec![0; padding]).map_err(write_failed)?;
        }
        // node-tar ends the archive with two zero blocks.
        gz.write_all(&[0; 1024]).map_err(write_failed)?;
        let bytes = gz.finish().map_err(write_failed)?;
        Tarball::read(bytes, "folder")
    }

    /// The text of a file npm's manifest steps read, by its path in the package.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.texts
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
    }

    pub fn integrity(&self) -> Integrity {
        Integrity::of(&self.bytes)
    }

    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.bytes)
    }
}

/// The `package.json` a gzipped tar holds at exactly `{folder}/package.json` (npm's `stage
/// download` reads `package/package.json`), as a JSON object; `Err` says why there is none.
pub fn package_json_at(bytes: &[u8], folder: &str) -> std::result::Result<Value, String> {
    let wanted = format!("{folder}/package.json");
    let mut archive = tar::Archive::new(Capped {
        inner: GzDecoder::new(bytes),
        left: MAX_INFLATED,
    });
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let named = entry.path().map_err(|e| e.to_string())?.to_string_lossy() == wanted;
        if !(named && entry.header().entry_type().is_file()) {
            continue;
        }
        if entry.size() > MAX_READ {
            return Err("its package.json is larger than 8 MiB".into());
        }
        let mut text = Vec::new();
        entry.read_to_end(&mut text).map_err(|e| e.to_string())?;
        return serde_json::from_slice::<Value>(&text)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| "its package.json is not a JSON object".into());
    }
    Err(format!("it holds no {wanted}"))
}

/// The headers node-tar writes for a file in portable mode (what pacote packs with): ustar,
/// numbers in octal as `padOctal` writes them, no owner, the path split at a `/` into the
/// prefix field when it is 100 bytes or longer, and a pax header before it when it does not
/// fit (or is not ASCII).
mod node_tar {
    use super::NPM_MTIME;

    /// The header block(s) for a regular file at `path`.
    pub fn entry(path: &str, mode: u32, size: u64) -> Vec<u8> {
        let (name, prefix, mut pax) = split_prefix(path, 155);
        let mut block = [0u8; 512];
        pax |= string(&mut block, 0, 100, &name);
        number(&mut block, 100, 8, u64::from(mode));
        pax |= number(&mut block, 124, 12, size);
        number(&mut block, 136, 12, NPM_MTIME);
        block[156] = b'0';
        block[257..265].copy_from_slice(b"ustar\x0000");
        number(&mut block, 329, 8, 0);
        number(&mut block, 337, 8, 0);
        pax |= string(&mut block, 345, 155, &prefix);
        checksum(&mut block);
        if !pax {
            return block.to_vec();
        }
        let body = [
            ("path", path.to_string()),
            ("mtime", NPM_MTIME.to_string()),
            ("size", size.to_string()),
        ]
        .iter()
        .map(|(field, value)| record(field, value))
        .collect::<String>();
        let mut header = [0u8; 512];
        let base = path.rsplit('/').next().unwrap_or(path);
        let pax_name: String = format!("PaxHeader/{base}").chars().take(99).collect();
        string(&mut header, 0, 100, &pax_name);
        number(&mut header, 100, 8, 0o644);
        number(&mut header, 124, 12, body.len() as u64);
        number(&mut header, 136, 12, NPM_MTIME);
        header[156] = b'x';
        header[257..265].copy_from_slice(b"ustar\x0000");
        number(&mut header, 329, 8, 0);
        number(&mut header, 337, 8, 0);
        checksum(&mut header);
        let mut out = header.to_vec();
        out.extend_from_slice(body.as_bytes());
        out.resize(out.len().div_ceil(512) * 512, 0);
        out.extend_from_slice(&block);
        out
    }

    /// A pax record: `<length> <field>=<value>\n`, the length counting its own digits.
    fn record(field: &str, value: &str) -> String {
        let text = format!(" {field}={value}\n");
        let mut digits = text.len().to_string().len();
        if text.len() + digits >= 10usize.pow(digits as u32) {
            digits += 1;
        }
        format!("{}{text}", text.len() + digits)
    }

    /// `padOctal`: the digits, zero-padded, then a space and a NUL (or just a NUL when the
    /// digits fill all but one byte). Answers whether the number does not fit.
    fn number(block: &mut [u8], at: usize, size: usize, value: u64) -> bool {
        let digits = format!("{value:o}");
        if digits.len() > size - 1 {
            return true;
        }
        let text = if digits.len() == size - 1 {
            format!("{digits}\0")
        } else {
            format!("{}{digits} \0", "0".repeat(size - digits.len() - 2))
        };
        block[at..at + size].copy_from_slice(text.as_bytes());
        false
    }

    /// A string field, NUL-padded, cut at a character boundary. Answers whether it did not fit
    /// or is not ASCII (then node-tar adds a pax header).
    fn string(block: &mut [u8], at: usize, size: usize, text: &str) -> bool {
        let mut end = text.len().min(size);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        block[at..at + end].copy_from_slice(&text.as_bytes()[..end]);
        text.encode_utf16().count() != text.len() || text.len() > size
    }

    fn checksum(block: &mut [u8; 512]) {
        let sum: u64 = block[..148]
            .iter()
            .chain(&block[156..])
            .map(|b| u64::from(*b))
            .sum::<u64>()
            + 8 * 0x20;
        number(block, 148, 8, sum);
    }

    /// node-tar's `splitPrefix`: `(name, prefix, needs pax)`.
    fn split_prefix(path: &str, prefix_size: usize) -> (String, String, bool) {
        const NAME: usize = 100;
        if path.len() < NAME {
            return (path.to_string(), String::new(), false);
        }
        let dirname = |p: &str| {
            p.rsplit_once('/')
                .map_or(".".to_string(), |(d, _)| d.to_string())
        };
        let basename = |p: &str| {
            p.rsplit_once('/')
                .map_or(p.to_string(), |(_, b)| b.to_string())
        };
        let (mut prefix, mut name) = (dirname(path), basename(path));
        loop {
            if name.len() <= NAME && prefix.len() <= prefix_size {
                return (name, prefix, false);
            }
            if name.len() > NAME && prefix.len() <= prefix_size {
                return (name.chars().take(NAME - 1).collect(), prefix, true);
            }
            name = format!("{}/{name}", basename(&prefix));
            prefix = dirname(&prefix);
            if prefix == "." {
                return (path.chars().take(NAME - 1).collect(), String::new(), true);
            }
        }
    }
}

/// A reader that fails once it has given `left` bytes.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other(
                "it unpacks to more than 512 MiB or 100,000 files",
            ));
        }
        let most = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..most])?;
        self.left -= read as u64;
        Ok(read)
    }
}

/// A README at the package root, or AUTHORS: what the manifest steps may read.
fn is_text_npm_reads(path: &str) -> bool {
    !path.contains('/') && {
        let lower = path.to_ascii_lowercase();
        lower == "readme" || lower.starts_with("readme.") || path == "AUTHORS"
    }
}

/// The digests npm records of a tarball: `dist.integrity` (sha512, SRI) and `dist.shasum`
/// (sha1, hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    pub sha512: String,
    pub shasum: String,
}

impl Integrity {
    pub fn of(bytes: &[u8]) -> Integrity {
        let sha512 = digest::digest(&digest::SHA512, bytes);
        let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, bytes);
        Integrity {
            sha512: format!(
                "sha512-{}",
                base64::engine::general_purpose::STANDARD.encode(sha512.as_ref())
            ),
            shasum: sha1.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_and_reads_back() {
        let files = || {
            vec![
                (
                    "package.json".into(),
                    br#"{"name":"a","version":"1.0.0"}"#.to_vec(),
                    0o644,
                ),
                ("README.md".into(), b"# a\n".to_vec(), 0o644),
                (
                    "bin/cli.js".into(),
                    b"#!/usr/bin/env node\n".to_vec(),
                    0o755,
                ),
            ]
        };
        let tarball = Tarball::pack(files()).unwrap();
        assert_eq!(tarball.files, ["package.json", "README.md", "bin/cli.js"]);
        assert_eq!(tarball.package_json["name"], "a");
        assert_eq!(tarball.text("README.md"), Some("# a\n"));
        // The same files give the same bytes.
        assert_eq!(tarball.bytes, Tarball::pack(files()).unwrap().bytes);
    }

    #[test]
    fn refuses_what_is_not_a_package() {
        let error = Tarball::read(b"not gzip".to_vec(), "tarball").unwrap_err();
        assert_eq!(error.code, crate::error::Code::InvalidInput);
        let no_manifest = Tarball::pack(vec![("README.md".into(), b"x".to_vec(), 0o644)]);
        assert!(no_manifest
            .unwrap_err()
            .message
            .contains("no package/package.json"));
    }

    #[test]
    fn digests_as_ssri_does() {
        let integrity = Integrity::of(b"hello");
        assert_eq!(integrity.shasum, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
        assert!(integrity.sha512.starts_with("sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="));
    }
}
