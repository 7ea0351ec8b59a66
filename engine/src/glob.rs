//! Redis glob-style pattern matching (`KEYS`, `SCAN MATCH`, `PSUBSCRIBE`):
//! `*`, `?`, `[abc]`, `[^a-z]`, and `\` escapes, byte-wise like Redis's
//! `stringmatchlen`.
//!
//! Written here rather than taken from a glob crate because those match
//! file paths (separators, UTF-8, `{a,b}`), while KEYS and PSUBSCRIBE must
//! match arbitrary bytes exactly as Redis does, down to its treatment of an
//! unterminated `[` or a trailing `\`.

/// True when `s` matches `pattern`.
///
/// Greedy matching with backtracking to the last `*` only, so the running
/// time is O(len(pattern) × len(s)) even for patterns like `*a*a*a*b`.
pub fn matches(pattern: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            while p < pattern.len() && pattern[p] == b'*' {
                p += 1;
            }
            if p == pattern.len() {
                return true;
            }
            star = Some((p, i));
            continue;
        }
        if let Some((ok, len)) = token(&pattern[p..], s[i]) {
            if ok {
                p += len;
                i += 1;
                continue;
            }
        }
        match star {
            Some((sp, si)) => {
                p = sp;
                i = si + 1;
                star = Some((sp, si + 1));
            }
            None => return false,
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

/// Matches one non-`*` token at the start of `p` against `ch`: returns
/// whether it matched and the token's length, or `None` at pattern end.
fn token(p: &[u8], ch: u8) -> Option<(bool, usize)> {
    match *p.first()? {
        b'?' => Some((true, 1)),
        b'\\' if p.len() >= 2 => Some((p[1] == ch, 2)),
        b'[' => {
            let mut j = 1;
            let not = p.get(j) == Some(&b'^');
            if not {
                j += 1;
            }
            let mut matched = false;
            while j < p.len() && p[j] != b']' {
                if p[j] == b'\\' && j + 1 < p.len() {
                    matched |= p[j + 1] == ch;
                    j += 2;
                } else if j + 2 < p.len() && p[j + 1] == b'-' {
                    let (lo, hi) = if p[j] <= p[j + 2] { (p[j], p[j + 2]) } else { (p[j + 2], p[j]) };
                    matched |= (lo..=hi).contains(&ch);
                    j += 3;
                } else {
                    matched |= p[j] == ch;
                    j += 1;
                }
            }
            // An unterminated class ends with the pattern, as in Redis.
            let len = if j < p.len() { j + 1 } else { j };
            Some((matched != not, len))
        }
        c => Some((c == ch, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn redis_glob_cases() {
        let yes: &[(&str, &str)] = &[
            ("*", ""),
            ("*", "anything"),
            ("h?llo", "hello"),
            ("h*llo", "heeeello"),
            ("h[ae]llo", "hallo"),
            ("h[^e]llo", "hallo"),
            ("h[a-b]llo", "hbllo"),
            ("h[b-a]llo", "hallo"),
            ("user:*", "user:42"),
            ("\\*", "*"),
            ("a\\?c", "a?c"),
            ("*x*", "abxcd"),
            ("[\\]]", "]"),
        ];
        for (p, s) in yes {
            assert!(matches(p.as_bytes(), s.as_bytes()), "{p} should match {s}");
        }
        let no: &[(&str, &str)] = &[
            ("h?llo", "hllo"),
            ("h[ae]llo", "hillo"),
            ("h[^e]llo", "hello"),
            ("h[a-b]llo", "hcllo"),
            ("user:*", "usr:1"),
            ("\\*", "a"),
            ("abc", "abcd"),
            ("abcd", "abc"),
            ("?", ""),
        ];
        for (p, s) in no {
            assert!(!matches(p.as_bytes(), s.as_bytes()), "{p} should not match {s}");
        }
    }

    #[test]
    fn pathological_pattern_terminates() {
        let p = "*a".repeat(40) + "b";
        let s = "a".repeat(5000);
        assert!(!matches(p.as_bytes(), s.as_bytes()));
    }
}
