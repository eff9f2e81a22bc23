//! minimatch as ignore-walk (and so npm-packlist) uses it: `{ matchBase, dot, flipNegate,
//! nocase }`, with `partial` matches. A port of what those options reach (minimatch 10): `!`
//! negation, brace expansion, `/`-separated parts with `**`, `*`, `?`, `[...]` and `\`
//! escapes, compared without case. Not ported: extglobs (`+(a|b)`) and POSIX classes
//! (`[[:alpha:]]`), which npm packages' ignore files do not use.

/// One rule of an ignore file (or of npm's synthetic rule sets).
#[derive(Debug, Clone)]
pub struct Rule {
    /// A `!` rule: it includes what it matches.
    pub negate: bool,
    /// Whether ignore-walk also tries it against a basename (`isRelativeRule`): each brace
    /// alternative has one part, or two with the second empty (`dir/`).
    pub relative: bool,
    sets: Vec<Vec<Part>>,
}

#[derive(Debug, Clone)]
enum Part {
    /// `**`.
    Globstar,
    /// A part without magic, lowercased.
    Literal(String),
    Glob(Vec<Token>),
}

#[derive(Debug, Clone)]
enum Token {
    Char(char),
    Any,
    Star,
    /// `[...]`: ranges of lowercased characters, negated or not.
    Class(Vec<(char, char)>, bool),
}

impl Rule {
    /// A rule from one trimmed line of an ignore file.
    pub fn new(line: &str) -> Rule {
        let bangs = line.chars().take_while(|c| *c == '!').count();
        let pattern = &line[bangs..];
        let globs: Vec<Vec<String>> = dedup(brace_expand(pattern))
            .into_iter()
            .map(|glob| optimize(slash_split(&glob)))
            .collect();
        let relative = globs.iter().any(|parts| {
            let last_empty = parts.last().is_none_or(String::is_empty);
            parts.len() <= if last_empty { 2 } else { 1 }
        });
        Rule {
            negate: bangs % 2 == 1,
            relative,
            sets: globs
                .iter()
                .map(|parts| parts.iter().map(|p| parse(p)).collect())
                .collect(),
        }
    }

    /// minimatch's `match(path, partial)` with `flipNegate`: whether the pattern (without its
    /// `!`) matches.
    pub fn matches(&self, path: &str, partial: bool) -> bool {
        let file = slash_split(path);
        let base = file.iter().rev().find(|p| !p.is_empty()).cloned();
        let file: Vec<String> = file.iter().map(|p| p.to_lowercase()).collect();
        let base = [base.unwrap_or_default().to_lowercase()];
        self.sets.iter().any(|set| {
            let file = if set.len() == 1 { &base[..] } else { &file[..] };
            match_one(file, set, partial)
        })
    }
}

fn dedup(list: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    for item in list {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// Splits on runs of `/` (minimatch's `slashSplit`).
fn slash_split(path: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut last_slash = false;
    for c in path.chars() {
        if c == '/' {
            if !last_slash {
                parts.push(String::new());
            }
            last_slash = true;
        } else {
            parts.last_mut().expect("never empty").push(c);
            last_slash = false;
        }
    }
    parts
}

/// minimatch's `levelOneOptimize`: one `**` for a run of them, `a/..` removed.
fn optimize(parts: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        let prev = out.last().map(String::as_str);
        if part == "**" && prev == Some("**") {
            continue;
        }
        if part == ".." && prev.is_some_and(|p| !p.is_empty() && ![".", "..", "**"].contains(&p)) {
            out.pop();
            continue;
        }
        out.push(part);
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

fn parse(part: &str) -> Part {
    if part == "**" {
        return Part::Globstar;
    }
    let mut tokens = Vec::new();
    let chars: Vec<char> = part.chars().collect();
    let mut i = 0;
    let mut magic = false;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                i += 1;
                tokens.push(Token::Char(lower(chars[i])));
            }
            '*' => {
                magic = true;
                if tokens.last().is_none_or(|t| !matches!(t, Token::Star)) {
                    tokens.push(Token::Star);
                }
            }
            '?' => {
                magic = true;
                tokens.push(Token::Any);
            }
            '[' => match class(&chars[i + 1..]) {
                Some((token, used)) => {
                    magic = true;
                    tokens.push(token);
                    i += used;
                }
                None => tokens.push(Token::Char('[')),
            },
            c => tokens.push(Token::Char(lower(c))),
        }
        i += 1;
    }
    if magic {
        Part::Glob(tokens)
    } else {
        Part::Literal(
            tokens
                .iter()
                .map(|t| match t {
                    Token::Char(c) => *c,
                    _ => unreachable!("no magic"),
                })
                .collect(),
        )
    }
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// A `[...]` class after its `[`: the token and how many characters it took (`]` included);
/// `None` when unclosed (then `[` is literal).
fn class(chars: &[char]) -> Option<(Token, usize)> {
    let mut i = 0;
    let negated = matches!(chars.first(), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while i < chars.len() {
        let mut c = chars[i];
        if c == ']' && !first {
            return Some((Token::Class(ranges, negated), i + 1));
        }
        first = false;
        if c == '\\' && i + 1 < chars.len() {
            i += 1;
            c = chars[i];
        }
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|e| *e != ']') {
            let end = chars[i + 2];
            ranges.push((c, end));
            i += 3;
        } else {
            ranges.push((c, c));
            i += 1;
        }
    }
    None
}

fn class_matches(ranges: &[(char, char)], c: char) -> bool {
    // Without case: the character or its other case in a range.
    let upper = c.to_uppercase().next().unwrap_or(c);
    ranges
        .iter()
        .any(|(a, b)| (*a..=*b).contains(&c) || (*a..=*b).contains(&upper))
}

/// Wildcard matching with one backtrack point (the last `*`): linear in practice, never
/// exponential whatever the pattern.
fn glob_matches(tokens: &[Token], name: &[char]) -> bool {
    let one = |token: &Token, c: char| match token {
        Token::Char(t) => *t == c,
        Token::Any => true,
        Token::Class(ranges, negated) => class_matches(ranges, c) != *negated,
        Token::Star => false,
    };
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, n));
                t += 1;
            }
            Some(token) if one(token, name[n]) => {
                t += 1;
                n += 1;
            }
            _ => match star {
                // Let the last `*` take one more character, and try again from there.
                Some((at, taken)) => {
                    t = at + 1;
                    n = taken + 1;
                    star = Some((at, taken + 1));
                }
                None => return false,
            },
        }
    }
    tokens[t..].iter().all(|t| matches!(t, Token::Star))
}

fn part_matches(part: &Part, name: &str) -> bool {
    match part {
        Part::Literal(text) => text == name,
        // A magic part never matches an empty part nor `.` or `..` (`dot: true` still keeps
        // those out).
        Part::Glob(tokens) => {
            !name.is_empty()
                && name != "."
                && name != ".."
                && glob_matches(tokens, &name.chars().collect::<Vec<_>>())
        }
        Part::Globstar => unreachable!("matched by match_one"),
    }
}

/// minimatch's `matchOne`.
fn match_one(file: &[String], pattern: &[Part], partial: bool) -> bool {
    let (mut fi, mut pi) = (0, 0);
    while fi < file.len() && pi < pattern.len() {
        if let Part::Globstar = pattern[pi] {
            let rest = &pattern[pi + 1..];
            if rest.is_empty() {
                // A trailing `**` takes the rest (with `dot`, all but `.` and `..`), and at
                // least one part.
                return file[fi..].iter().all(|f| f != "." && f != "..");
            }
            let mut from = fi;
            while from < file.len() {
                if match_one(&file[from..], rest, partial) {
                    return true;
                }
                if file[from] == "." || file[from] == ".." {
                    break;
                }
                from += 1;
            }
            return partial && from == file.len();
        }
        if !part_matches(&pattern[pi], &file[fi]) {
            return false;
        }
        fi += 1;
        pi += 1;
    }
    if fi == file.len() && pi == pattern.len() {
        true
    } else if fi == file.len() {
        partial
    } else {
        // Out of pattern: only a trailing `/` is left (`a/*` matches `a/b/`).
        fi == file.len() - 1 && file[fi].is_empty()
    }
}

/// brace-expansion as minimatch calls it: `a{b,c}d` is `abd` and `acd`, nested, with
/// `{1..3}` and `{a..c}` sequences; a brace without a comma or sequence stays as written.
fn brace_expand(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == '{' {
            if let Some(close) = closing(&chars, i) {
                let inner: String = chars[i + 1..close].iter().collect();
                let pre: String = chars[..i].iter().collect();
                let post: String = chars[close + 1..].iter().collect();
                let alternatives = alternatives(&inner);
                if let Some(alternatives) = alternatives {
                    let posts = brace_expand(&post);
                    let mut out = Vec::new();
                    for alternative in alternatives {
                        for expanded in brace_expand(&alternative) {
                            for post in &posts {
                                out.push(format!("{pre}{expanded}{post}"));
                            }
                        }
                    }
                    return out;
                }
            }
        }
        i += 1;
    }
    vec![pattern.to_string()]
}

/// The index of the `}` that closes the `{` at `open`.
fn closing(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The alternatives of a brace's contents: split at top-level commas, or a sequence.
fn alternatives(inner: &str) -> Option<Vec<String>> {
    let mut parts = vec![String::new()];
    let mut depth = 0;
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("never empty").push(c);
    }
    if parts.len() > 1 {
        return Some(parts);
    }
    let (start, end) = inner.split_once("..")?;
    if let (Ok(a), Ok(b)) = (start.parse::<i64>(), end.parse::<i64>()) {
        let range: Vec<i64> = if a <= b {
            (a..=b).collect()
        } else {
            (b..=a).rev().collect()
        };
        return Some(range.iter().map(i64::to_string).collect());
    }
    let (mut a, mut b) = (start.chars(), end.chars());
    match (a.next(), a.next(), b.next(), b.next()) {
        (Some(a), None, Some(b), None) => {
            let range: Vec<char> = if a <= b {
                (a..=b).collect()
            } else {
                (b..=a).rev().collect()
            };
            Some(range.iter().map(char::to_string).collect())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_as_brace_expansion() {
        assert_eq!(
            brace_expand("/readme{,.*[^~$]}"),
            ["/readme", "/readme.*[^~$]"]
        );
        assert_eq!(brace_expand("a{b,c{d,e}}f"), ["abf", "acdf", "acef"]);
        assert_eq!(brace_expand("{a}"), ["{a}"]);
        assert_eq!(brace_expand("x{1..3}"), ["x1", "x2", "x3"]);
    }

    #[test]
    fn matches_as_minimatch_with_ignore_walks_options() {
        let yes = |rule: &str, path: &str| Rule::new(rule).matches(path, false);
        // matchBase: a one-part pattern matches the basename, without case.
        assert!(yes("*.LOG", "a/b/debug.log"));
        assert!(yes("/readme{,.*[^~$]}", "/README.md"));
        assert!(!yes("/readme{,.*[^~$]}", "/README.md~"));
        // Anchored and two-part patterns match the whole path.
        assert!(!yes("/dist", "/a/dist"));
        assert!(yes("dist/**", "dist/a/b.js"));
        assert!(!yes("dist/**", "dist"));
        // dot: `*` and `**` take dotfiles.
        assert!(yes("**/*", "a/.b/.c"));
        assert!(yes("a/*", "a/b/"));
        assert!(!yes("a/*/", "a/b"));
        assert!(Rule::new("!/dist/**").negate);
        assert!(Rule::new("/dist/**").matches("/dist/", true));
        assert!(Rule::new("/dist/**").matches("/dist", true));
        assert!(!Rule::new("/dist/**").matches("/lib", true));
        assert!(Rule::new("test/").relative && !Rule::new("a/b").relative);
        assert!(yes("a*b?c[x-z]", "aXXbYcZ"));
        assert!(!yes("a*b?c[!x-z]", "aXXbYcZ"));
        // No exponential backtracking.
        assert!(!yes("*a*a*a*a*a*a*a*a*a*a*b", &"a".repeat(200)));
    }
}
