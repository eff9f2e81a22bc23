//! Staged publishing (`npm stage`): the package versions waiting for a maintainer's review,
//! listed, viewed, approved (which publishes them), rejected, or downloaded for inspection.
//! Staging a version is `stagePublish` (`crate::publish`); these rows are what comes after.
//!
//! A download is checked before anything is written: its sha1 must be the staged version's
//! `shasum`, and it must be a gzipped tar whose `package/package.json` names that package and
//! version. Only then does the file appear, whole (a temporary file renamed into place).

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::{json, Value};

use super::decode::{pick, Decoder, Type};
use super::{Args, BoxFuture, Caller, Endpoint, Given, Input, Kind, Query};
use crate::error::{Code, Error, Result};
use crate::files::{replace, Permissions};
use crate::package::PackageName;
use crate::publish::tarball::{package_json_at, Integrity};

/// Items a page asks for: npm's `stage list` asks for 100 (the registry's most).
const PER_PAGE: usize = 100;
/// More pages than anyone has staged versions: a registry that never says it is done is cut
/// off here.
const MAX_PAGES: usize = 1000;
/// Largest tarball downloaded (the registry's own limit on a publish is lower).
pub const MAX_TARBALL: usize = 256 * 1024 * 1024;
const ID: Input = Input::new("id", Kind::Uuid);

/// Fields every `npm stage` row shares.
const STAGE: Endpoint = Endpoint {
    command: "stage",
    subject: "staged package {id}",
    ..Endpoint::ROW
};

/// A staged version's fields, as the registry names them.
const ITEM_FIELDS: &[(&str, &str, Type)] = &[
    ("id", "id", Type::Text),
    ("packageName", "packageName", Type::Text),
    ("version", "version", Type::Text),
    ("tag", "tag", Type::Text),
    ("createdAt", "createdAt", Type::Text),
    ("actor", "actor", Type::Text),
    ("actorType", "actorType", Type::Text),
    ("access", "access", Type::Text),
    ("shasum", "shasum", Type::Text),
];

/// A staged version with its declared fields; none without an id, a package and a version.
fn item(object: &Value) -> Option<Value> {
    let item = pick(object, ITEM_FIELDS);
    for required in ["id", "packageName", "version"] {
        item.get(required)?;
    }
    Some(Value::Object(item))
}

/// `npm stage list [<package>]`: every page, newest first.
pub const LIST_STAGED: Endpoint = Endpoint {
    name: "listStaged",
    path: "-/stage",
    query: &[
        Query::Option("page", Some(0.0)),
        Query::Option("perPage", Some(PER_PAGE as f64)),
        Query::Option("package", None),
    ],
    // A filter, not the package of the call: no default from package.json.
    inputs: &[Input::optional("package", Kind::Text)],
    decode: Some(PAGE),
    action: "list staged packages",
    subject: "the list of staged packages",
    custom: Some(list),
    ..STAGE
};

/// One page: `{ items, total }`, with `count` the items the registry sent (kept or not), which
/// says whether the page was full.
const PAGE: Decoder = Decoder {
    what: "a page of staged packages",
    read: |answer, _| {
        let items = answer.get("items")?.as_array()?;
        Some(json!({
            "items": items.iter().filter_map(item).collect::<Vec<_>>(),
            "count": items.len(),
            "total": answer.get("total").and_then(Value::as_u64),
        }))
    },
};

/// npm's `#fetchAllPages`: pages from 0 until the items reach `total` or a page is short.
fn list<'a>(caller: &'a Caller<'a>, args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(all_pages(caller, args))
}

async fn all_pages(caller: &Caller<'_>, mut args: Args) -> Result<Value> {
    if let Some(name) = args.text("package") {
        PackageName::parse(name)?;
    }
    let registry = caller.registry(&LIST_STAGED, &args)?;
    let mut items = Vec::new();
    let mut seen = 0;
    for page in 0..MAX_PAGES {
        args.set("page", Given::Number(page as f64));
        let request = caller.request(&LIST_STAGED, &args)?;
        let answer = caller
            .send(&LIST_STAGED, &args, &registry, &request)
            .await?;
        let count = answer["count"].as_u64().unwrap_or_default() as usize;
        seen += count;
        if let Value::Array(page_items) = &answer["items"] {
            items.extend(page_items.iter().cloned());
        }
        let total = answer["total"].as_u64();
        if total.is_some_and(|total| seen as u64 >= total) || count < PER_PAGE {
            break;
        }
    }
    Ok(Value::Array(items))
}

/// `npm stage view <id>`.
pub const VIEW_STAGED: Endpoint = Endpoint {
    name: "viewStaged",
    path: "-/stage/{id}",
    inputs: &[ID],
    decode: Some(Decoder {
        what: "a staged package version",
        read: |answer, _| item(answer),
    }),
    action: "view staged package {id}",
    ..STAGE
};

/// `npm stage approve <id>`: publishes the staged version. Always 2FA for accounts with it.
pub const APPROVE_STAGED: Endpoint = Endpoint {
    name: "approveStaged",
    method: Method::POST,
    path: "-/stage/{id}/approve",
    inputs: &[ID],
    otp: true,
    action: "approve staged package {id}",
    changes: true,
    ..STAGE
};

/// `npm stage reject <id>`: deletes the staged version and its tarball.
pub const REJECT_STAGED: Endpoint = Endpoint {
    name: "rejectStaged",
    method: Method::DELETE,
    path: "-/stage/{id}",
    action: "reject staged package {id}",
    ..APPROVE_STAGED
};

/// `npm stage download <id>`: the staged version (for its name, version and shasum), then its
/// tarball, checked and written to `file`.
pub const DOWNLOAD_STAGED: Endpoint = Endpoint {
    name: "downloadStaged",
    path: "-/stage/{id}/tarball",
    inputs: &[ID, Input::optional("file", Kind::Text)],
    action: "download staged package {id}",
    custom: Some(download),
    steps: &[&VIEW_STAGED],
    ..STAGE
};

fn download<'a>(caller: &'a Caller<'a>, args: Args) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let staged = caller.run(&VIEW_STAGED, &args).await?;
        let field = |name: &str| staged[name].as_str().unwrap_or_default().to_string();
        let (name, version) = (field("packageName"), field("version"));
        let id = args.text("id").unwrap_or_default();
        let Some(shasum) = staged["shasum"].as_str() else {
            return Err(Error::new(
                Code::Response,
                format!(
                    "The registry did not say the shasum of staged package {id}: its tarball \
                     cannot be checked, so it was not downloaded."
                ),
            ));
        };
        let default_name = npm_file_name(&name, &version, id)?;
        let target = target(&caller.session.cwd, args.text("file"), &default_name);
        let registry = caller
            .registry(&DOWNLOAD_STAGED, &args)?
            .with_max_body(MAX_TARBALL);
        let request = caller.request(&DOWNLOAD_STAGED, &args)?;
        let tarball = caller
            .fetch(&DOWNLOAD_STAGED, &args, &registry, &request)
            .await?;
        let checked = verify(&tarball, shasum, &name, &version)?;
        replace(&target, &tarball, Permissions::Default).map_err(|e| {
            Error::invalid_input("file", format!("Cannot write {}: {e}", target.display()))
        })?;
        Ok(json!({
            "file": target.display().to_string(),
            "package": name,
            "version": version,
            "shasum": checked.shasum,
            "integrity": checked.integrity,
        }))
    })
}

/// The file npm's `stage download` writes: `${name without @, / as -}-${version}-${id}.tgz`
/// (`@acme/tools` 1.2.0 is `acme-tools-1.2.0-<id>.tgz`). The name and version come from the
/// registry: ones that could name another folder are refused.
pub fn npm_file_name(name: &str, version: &str, id: &str) -> Result<String> {
    let bad = |what: &str| {
        Error::new(
            Code::Response,
            format!(
                "The registry answered a staged package whose {what} is not valid; nothing was \
                 downloaded."
            ),
        )
    };
    PackageName::parse(name).map_err(|_| bad("name"))?;
    let version_ok = !version.is_empty()
        && !version.starts_with('.')
        && version.len() <= 256
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c));
    if !version_ok {
        return Err(bad("version"));
    }
    // JavaScript's `replace` with a string changes the first occurrence only.
    let safe = name.replacen('@', "", 1).replacen('/', "-", 1);
    Ok(format!("{safe}-{version}-{id}.tgz"))
}

/// Where a download goes: `file` (relative to `cwd`; a folder gets npm's file name in it), or
/// npm's file name in `cwd`.
fn target(cwd: &Path, file: Option<&str>, default_name: &str) -> PathBuf {
    match file {
        None => cwd.join(default_name),
        Some(file) => {
            let path = cwd.join(file);
            if path.is_dir() {
                path.join(default_name)
            } else {
                path
            }
        }
    }
}

/// What a download was checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The tarball's sha1, in hex: the staged version's `shasum`.
    pub shasum: String,
    /// Its sha512 as a Subresource Integrity string (`sha512-...`), as `dist.integrity` has it.
    pub integrity: String,
}

/// Checks a staged version's tarball: its sha1 is `shasum`, and it is a gzipped tar whose
/// `package/package.json` is `name` at `version`. `EINTEGRITY` otherwise.
pub fn verify(tarball: &[u8], shasum: &str, name: &str, version: &str) -> Result<Checked> {
    let Integrity {
        sha512,
        shasum: sha1,
    } = Integrity::of(tarball);
    if !sha1.eq_ignore_ascii_case(shasum.trim()) {
        let said = if shasum.len() == 40 && shasum.bytes().all(|b| b.is_ascii_hexdigit()) {
            shasum
        } else {
            "not a sha1"
        };
        return Err(Error::new(
            Code::Integrity,
            format!(
                "The downloaded tarball's sha1 is {sha1}, but the staged version's shasum is \
                 {said}: it was not saved."
            ),
        ));
    }
    let manifest = package_json_at(tarball, "package").map_err(|why| not_a_package(&why))?;
    let (held_name, held_version) = (
        manifest.get("name").and_then(Value::as_str),
        manifest.get("version").and_then(Value::as_str),
    );
    if held_name != Some(name) || held_version != Some(version) {
        let held = match (held_name, held_version) {
            (Some(n), Some(v)) if PackageName::parse(n).is_ok() && v.len() <= 256 => {
                format!("{n}@{v}")
            }
            _ => "a package.json without a valid name and version".to_string(),
        };
        return Err(Error::new(
            Code::Integrity,
            format!(
                "The downloaded tarball holds {held}, not the staged {name}@{version}: it was not \
                 saved."
            ),
        ));
    }
    Ok(Checked {
        shasum: sha1,
        integrity: sha512,
    })
}

fn not_a_package(why: &str) -> Error {
    Error::new(
        Code::Integrity,
        format!("The download is not a package tarball: {why}. It was not saved."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ustar header for `name` holding `size` bytes of type `kind`.
    fn header(name: &str, size: usize, kind: u8) -> [u8; 512] {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h
    }

    fn tar(entries: &[(&str, u8, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, kind, body) in entries {
            out.extend_from_slice(&header(name, body.len(), *kind));
            out.extend_from_slice(body);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), Default::default());
        std::io::Write::write_all(&mut encoder, bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn sha1(bytes: &[u8]) -> String {
        Integrity::of(bytes).shasum
    }

    const MANIFEST: &[u8] = br#"{"name":"@acme/tools","version":"1.2.0"}"#;

    #[test]
    fn file_names_as_npm_makes_them() {
        let id = "1de6f3db-2ed9-4d72-b3dd-8f0e2b474a2f";
        assert_eq!(
            npm_file_name("@acme/tools", "1.2.0", id).unwrap(),
            format!("acme-tools-1.2.0-{id}.tgz")
        );
        assert_eq!(
            npm_file_name("widgets", "2.0.0-beta.1+build.5", id).unwrap(),
            format!("widgets-2.0.0-beta.1+build.5-{id}.tgz")
        );
        for (name, version) in [
            ("../../etc", "1.0.0"),
            ("widgets", "../../1.0.0"),
            ("widgets", "1.0.0/x"),
            ("widgets", ""),
            ("@a/b/c", "1.0.0"),
        ] {
            let error = npm_file_name(name, version, id).unwrap_err();
            assert_eq!(error.code, Code::Response, "{name} {version}");
        }
    }

    #[test]
    fn a_tarball_is_checked_against_the_shasum_and_its_package_json() {
        let tarball = gzip(&tar(&[
            ("package/README.md", b'0', b"# tools\n"),
            ("package/package.json", b'0', MANIFEST),
        ]));
        let checked = verify(&tarball, &sha1(&tarball), "@acme/tools", "1.2.0").unwrap();
        assert_eq!(checked.shasum, sha1(&tarball));
        assert!(checked.integrity.starts_with("sha512-"));
        assert_eq!(checked.integrity.len(), "sha512-".len() + 88);
        // The registry's hex may be upper case.
        assert!(verify(
            &tarball,
            &sha1(&tarball).to_uppercase(),
            "@acme/tools",
            "1.2.0"
        )
        .is_ok());

        let wrong = verify(&tarball, &"0".repeat(40), "@acme/tools", "1.2.0").unwrap_err();
        assert_eq!(wrong.code, Code::Integrity);
        assert!(wrong.message.contains(&sha1(&tarball)), "{}", wrong.message);
        let other = verify(&tarball, &sha1(&tarball), "@acme/tools", "1.3.0").unwrap_err();
        assert_eq!(other.code, Code::Integrity);
        assert!(
            other.message.contains("holds @acme/tools@1.2.0"),
            "{}",
            other.message
        );
    }

    #[test]
    fn what_is_not_a_package_tarball() {
        let check = |bytes: &[u8]| verify(bytes, &sha1(bytes), "@acme/tools", "1.2.0");
        let plain_tar = tar(&[("package/package.json", b'0', MANIFEST)]);
        let no_manifest = gzip(&tar(&[("package/index.js", b'0', b"1")]));
        let elsewhere = gzip(&tar(&[("other/package.json", b'0', MANIFEST)]));
        let not_json = gzip(&tar(&[("package/package.json", b'0', b"nope")]));
        let mut damaged = tar(&[("package/package.json", b'0', MANIFEST)]);
        damaged[0] = b'X';
        let damaged = gzip(&damaged);
        let full = gzip(&tar(&[("package/package.json", b'0', MANIFEST)]));
        let cut = &full[..full.len() / 2];
        for (what, bytes) in [
            ("plain tar", plain_tar.as_slice()),
            ("no package.json", &no_manifest),
            ("another folder", &elsewhere),
            ("not JSON", &not_json),
            ("damaged header", &damaged),
            ("cut short", cut),
            ("empty", b""),
        ] {
            let error = check(bytes).unwrap_err();
            assert_eq!(error.code, Code::Integrity, "{what}: {}", error.message);
        }
    }

    #[test]
    fn long_names_and_pax_paths_name_the_next_entry() {
        let pax = b"29 path=package/package.json\n";
        let with_pax = gzip(&tar(&[
            ("PaxHeader/x", b'x', pax),
            ("package/shortened", b'0', MANIFEST),
        ]));
        assert!(verify(&with_pax, &sha1(&with_pax), "@acme/tools", "1.2.0").is_ok());
        let with_long = gzip(&tar(&[
            ("././@LongLink", b'L', b"package/package.json\0"),
            ("package/shortened", b'0', MANIFEST),
        ]));
        assert!(verify(&with_long, &sha1(&with_long), "@acme/tools", "1.2.0").is_ok());
    }

    #[test]
    fn downloads_are_written_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("tn-stage-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("out.tgz");
        replace(&file, b"one", Permissions::Default).unwrap();
        replace(&file, b"two", Permissions::Default).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        let missing = dir.join("no-such-folder").join("x.tgz");
        assert!(replace(&missing, b"x", Permissions::Default).is_err());
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["out.tgz"]);
        assert_eq!(target(&dir, None, "a.tgz"), dir.join("a.tgz"));
        assert_eq!(
            target(&dir, Some("."), "a.tgz"),
            dir.join(".").join("a.tgz")
        );
        assert_eq!(target(&dir, Some("b.tgz"), "a.tgz"), dir.join("b.tgz"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
