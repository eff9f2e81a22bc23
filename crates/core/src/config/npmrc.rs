//! The .npmrc format as npm reads it: the `ini` package's rules, then @npmcli/config's
//! `${VAR}` expansion of keys and values.

use super::EnvVars;

/// Key/value pairs of one .npmrc, in file order, with `${VAR}` expanded. Section contents
/// (`[section]`) are skipped: npm nests them away from every key we look up.
pub fn parse(text: &str, env: &EnvVars) -> Vec<(String, String)> {
    let mut entries = Vec::new();
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
        entries.push((expand(&key, env), expand(&value, env)));
    }
    entries
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
/// becomes empty. A backslash before `$` escapes the expression.
pub fn expand(text: &str, env: &EnvVars) -> String {
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
                Some(value) => out.push_str(&value),
                None if optional => {}
                None => out.push_str(&rest[start..end]),
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
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
        let got = parse(text, &env());
        let get = |k: &str| {
            got.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
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
        assert_eq!(expand("${NPM_TOKEN}", &e), "tok-from-env");
        assert_eq!(expand("a${UNSET}b", &e), "a${UNSET}b");
        assert_eq!(expand("a${UNSET?}b", &e), "ab");
        assert_eq!(expand("${EMPTY}", &e), "");
        assert_eq!(expand(r"\${NPM_TOKEN}", &e), "${NPM_TOKEN}");
        assert_eq!(expand(r"\\${NPM_TOKEN}", &e), r"\tok-from-env");
        assert_eq!(expand("${", &e), "${");
        assert_eq!(expand("${}x", &e), "${}x");
    }
}
