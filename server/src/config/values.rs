//! How a setting's text becomes its value, as Redis's config reads it.

use coreshard_engine::PolicyKind;

/// Parses "yes"/"no" (also true/false, on/off, 1/0).
pub fn parse_toggle(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" => Ok(true),
        "no" | "false" | "off" | "0" => Ok(false),
        _ => Err(format!("expected yes or no, got '{s}'")),
    }
}

/// Parses a byte size as Redis's config does: `100`, `1k`, `1kb`, `5mb`,
/// `2gb` (k = 1000, kb = 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let lower = s.trim().to_ascii_lowercase();
    let split = lower.find(|c: char| !c.is_ascii_digit()).unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let n = if num.is_empty() { None } else { coreshard_engine::numbers::strtoul(num.as_bytes()) };
    let n = n.ok_or_else(|| format!("invalid size '{s}'"))?;
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err(format!("invalid size '{s}'")),
    };
    n.checked_mul(mul).ok_or_else(|| format!("size '{s}' is too large"))
}

/// Parses a policy name.
pub fn parse_policy(s: &str) -> Result<PolicyKind, String> {
    PolicyKind::parse(s).ok_or_else(|| format!("unknown maxmemory-policy '{s}'"))
}

/// Parses a core list: "0,1,4-6" or "off".
pub fn parse_cores(s: &str) -> Result<Vec<usize>, String> {
    if s.eq_ignore_ascii_case("off") || s.eq_ignore_ascii_case("no") {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let a: usize = a.trim().parse().map_err(|_| format!("invalid core list '{s}'"))?;
                let b: usize = b.trim().parse().map_err(|_| format!("invalid core list '{s}'"))?;
                if a > b {
                    return Err(format!("invalid core range '{part}'"));
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| format!("invalid core list '{s}'"))?),
        }
    }
    if out.is_empty() {
        return Err(format!("invalid core list '{s}'"));
    }
    Ok(out)
}

/// The `tracing` filter directive for a Redis log level name.
pub fn log_directive(level: &str) -> &'static str {
    match level {
        "debug" | "verbose" => "debug",
        "warning" => "warn",
        "nothing" => "off",
        _ => "info",
    }
}

/// Parses a Redis log level name: debug, verbose, notice, warning, nothing.
pub fn parse_loglevel(s: &str) -> Result<String, String> {
    match s.to_ascii_lowercase().as_str() {
        l @ ("debug" | "verbose" | "notice" | "warning" | "nothing") => Ok(l.to_string()),
        _ => Err(format!("invalid loglevel '{s}' (debug, verbose, notice, warning, nothing)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_redis_units() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("1k"), Ok(1000));
        assert_eq!(parse_size("1kb"), Ok(1024));
        assert_eq!(parse_size("2GB"), Ok(2 << 30));
        assert!(parse_size("12xb").is_err());
    }

    #[test]
    fn cores_lists_and_ranges() {
        assert_eq!(parse_cores("0,2-4"), Ok(vec![0, 2, 3, 4]));
        assert_eq!(parse_cores("off"), Ok(vec![]));
        assert!(parse_cores("3-1").is_err());
    }
}
