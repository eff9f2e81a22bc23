//! The .npmrc format as npm reads it: the `ini` package's rules, then @npmcli/config's
//! `${VAR}` expansion of keys and values, bounded: a few bytes of `${BIG}` repeated must not
//! take gigabytes.

use super::EnvVars;

/// The longest value (or key) `${VAR}` expansion may make: far more than any token, URL or
/// certificate bundle written inline.
pub const VALUE_LIMIT: usize = 64 * 1024;
/// The most one file may grow to once expanded: the bound on reading it.
pub const FILE_LIMIT: usize = crate::read::CONFIG_LIMIT as usize;

/// One `key=value` of an .npmrc.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// The key or the value holds text from an environment variable (`${VAR}`): the user's,
    /// not the file's, when the file is a checkout's.
    pub from_env: bool,
    /// The key does: it is not shown in messages.
    pub key_from_env: bool,
}

/// Key/value pairs of one .npmrc, in file order, with `${VAR}` expanded. Section contents
/// (`[section]`) are skipped: npm nests them away from every key we look up. An expansion over
/// [`VALUE_LIMIT`], or a file over [`FILE_LIMIT`] once expanded, is an error saying which.
pub fn parse(text: &str, env: &EnvVars) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut size = 0usize;
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            in_section = true;
            continue;
        }
        if in_section {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (unquote(k.trim()), unquote(v.trim())),
            None => (unquote(line), "true".to_string()),
        };
        let key = key.strip_suffix("[]").map(str::to_string).unwrap_or(key);
        if key.is_empty() {
            continue;
        }
        let too_long = || {
            format!(
                "`${{VAR}}` expansion makes `{key}` longer than {} KiB",
                VALUE_LIMIT / 1024
            )
        };
        let (key, key_from_env) = expand(&key, env).ok_or_else(too_long)?;
        let (value, value_from_env) = expand(&value, env).ok_or_else(too_long)?;
        size += key.len() + value.len();
        if size > FILE_LIMIT {
            return Err(format!(
                "`${{VAR}}` expansion makes it larger than {} MiB",
                FILE_LIMIT / (1024 * 1024)
            ));
        }
        entries.push(Entry {
            key,
            value,
            from_env: key_from_env || value_from_env,
            key_from_env,
        });
    }
    Ok(entries)
}

/// `"…"` is JSON, `'…'` is literal; otherwise an unescaped `;` or `#` starts a comment and
/// `\;` `\#` `\\` are escapes (ini's `unsafe`).
fn unquote(raw: &str) -> String {
    let quoted_with = |q: char| raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q);
    if quoted_with('"') {
        if let Ok(serde_json::Value::String(s)) = serde_json::from_str(raw) {
            return s;
        }
    }
    if quoted_with('"') || quoted_with('\'') {
        return raw[1..raw.len() - 1].to_string();
    }
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next @ (';' | '#' | '\\')) => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            ';' | '#' => break,
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

/// `${NAME}` becomes the variable's value; unset stays literal, unless written `${NAME?}`, which
/// becomes empty. A backslash before `$` escapes the expression. Also whether a variable's value
/// went in; `None` when the text would grow past [`VALUE_LIMIT`].
pub fn expand(text: &str, env: &EnvVars) -> Option<(String, bool)> {
    let mut from_env = false;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let backslashes = rest[..start]
            .chars()
            .rev()
            .take_while(|c| *c == '\\')
            .count();
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + 2 + len];
        let end = start + 2 + len + 1;
        let (name, optional) = match inner.strip_suffix('?') {
            Some(name) => (name, true),
            None => (inner, false),
        };
        if name.is_empty() || name.contains(['$', '{', '?']) {
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        // Each pair of backslashes is one literal backslash; an odd one escapes the `$`.
        out.push_str(&rest[..start - backslashes]);
        out.push_str(&"\\".repeat(backslashes / 2));
        if backslashes % 2 == 1 {
            out.push_str(&rest[start..end]);
        } else {
            match env.get(name) {
                Some(value) => {
                    if out.len() + value.len() > VALUE_LIMIT {
                        return None;
                    }
                    from_env = true;
                    out.push_str(&value);
                }
                None if optional => {}
                None => out.push_str(&rest[start..end]),
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    Some((out, from_env))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> EnvVars {
        EnvVars::from_pairs([("NPM_TOKEN", "tok-from-env"), ("EMPTY", "")])
    }

    #[test]
    fn parses_like_ini() {
        let text = r#"
; a comment
# another
registry=https://r.example/
//r.example/:_authToken=${NPM_TOKEN}
quoted = "a;b"
single = 'x#y'
inline = value ; trailing comment
escaped = a\;b
flag
list[] = one
[section]
hidden=1
"#;
        let got = parse(text, &env()).unwrap();
        let get = |k: &str| got.iter().find(|e| e.key == k).map(|e| e.value.as_str());
        assert_eq!(get("registry"), Some("https://r.example/"));
        assert_eq!(get("//r.example/:_authToken"), Some("tok-from-env"));
        assert_eq!(get("quoted"), Some("a;b"));
        assert_eq!(get("single"), Some("x#y"));
        assert_eq!(get("inline"), Some("value"));
        assert_eq!(get("escaped"), Some("a;b"));
        assert_eq!(get("flag"), Some("true"));
        assert_eq!(get("list"), Some("one"));
        assert_eq!(get("hidden"), None);
    }

    #[test]
    fn expands_like_npmcli_config() {
        let e = env();
        assert_eq!(expand("${NPM_TOKEN}", &e).unwrap().0, "tok-from-env");
        assert_eq!(expand("a${UNSET}b", &e).unwrap().0, "a${UNSET}b");
        assert_eq!(expand("a${UNSET?}b", &e).unwrap().0, "ab");
        assert_eq!(expand("${EMPTY}", &e).unwrap().0, "");
        assert_eq!(expand(r"\${NPM_TOKEN}", &e).unwrap().0, "${NPM_TOKEN}");
        assert_eq!(expand(r"\\${NPM_TOKEN}", &e).unwrap().0, r"\tok-from-env");
        assert_eq!(expand("${", &e).unwrap().0, "${");
        assert_eq!(expand("${}x", &e).unwrap().0, "${}x");
    }

    #[test]
    fn knows_which_values_came_from_the_environment() {
        let got = parse(
            "a=${NPM_TOKEN}\nb=lit\nc=\\${NPM_TOKEN}\nd=${UNSET}\n",
            &env(),
        )
        .unwrap();
        let from_env: Vec<bool> = got.iter().map(|e| e.from_env).collect();
        assert_eq!(from_env, [true, false, false, false]);
    }

    /// A few bytes of `${BIG}` must not become gigabytes: each expansion and the whole file
    /// are bounded, and the error says which, never the value.
    #[test]
    fn expansion_is_bounded() {
        let big = "A".repeat(2048);
        let env = EnvVars::from_pairs([("BIG", big.as_str())]);
        let line = format!("k={}\n", "${BIG}".repeat(40));
        let err = parse(&line, &env).unwrap_err();
        assert!(err.contains("`k` longer than 64 KiB"), "{err}");
        assert!(!err.contains("AAAA"));
        let ok = format!("k={}\n", "${BIG}".repeat(20));
        let err = parse(&ok.repeat(500), &env).unwrap_err();
        assert!(err.contains("larger than 16 MiB"), "{err}");
        assert_eq!(parse(&ok.repeat(10), &env).unwrap().len(), 10);
    }
}
