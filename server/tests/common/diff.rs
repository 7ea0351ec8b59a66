//! Differential scripts: run the same commands against a reference server (redis-server) and a
//! candidate (coreshard-server) and compare every reply.
//!
//! # Script format (`tests/diff/*.redis`)
//!
//! One command per line, written like redis-cli input: whitespace-separated arguments, double-quoted
//! arguments with the escapes `\n \r \t \a \b \" \\ \xHH`, single-quoted arguments with `\'`.
//! Empty lines and lines starting with `#` are ignored. A line may start with modifiers:
//!
//! | modifier         | meaning                                                                        |
//! |------------------|--------------------------------------------------------------------------------|
//! | `~`              | compare after [`Reply::sorted`] (replies whose order is unspecified)           |
//! | `?`              | compare only the shape: types everywhere, lengths of aggregates (random picks) |
//! | `!`              | run on both, compare nothing but "replied / closed" (nondeterministic output)  |
//! | `@approx[=N]`    | integers may differ by up to N (default 1), e.g. TTLs                          |
//! | `@conn=N`        | send on the script's connection N (default 0; opened on first use)             |
//! | `@capture=NAME`  | remember the bulk reply, per server, as `${NAME}`                              |
//!
//! An unquoted argument `${NAME}` is replaced by the value captured on the same server, so that
//! e.g. `DUMP` output can be fed to `RESTORE`. A line `@sleep MS` pauses the script.
//!
//! Every script starts with `FLUSHALL` on a fresh RESP2 connection to each server (a script may
//! switch with `HELLO 3`). A command `QUIT` must be answered and then the connection closed; the
//! next command on that connection number opens a new connection.
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Reply, RespConn};

/// How the replies of one line are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    Exact,
    Sorted,
    Shape,
    Skip,
    Approx(i64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Literal(Vec<u8>),
    Var(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Command(Vec<Arg>),
    Sleep(Duration),
}

/// One meaningful line of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    pub text: String,
    pub compare: Compare,
    pub conn: usize,
    pub capture: Option<String>,
    pub action: Action,
}

/// What one server did with one command.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Reply(Reply),
    /// The server closed the connection instead of replying.
    Closed,
    /// Timeout, protocol error, or a script-level problem on this server.
    Failed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Reply(r) => write!(f, "{r:?}"),
            Outcome::Closed => f.write_str("<connection closed>"),
            Outcome::Failed(e) => write!(f, "<failed: {e}>"),
        }
    }
}

/// One line where the two servers disagreed.
#[derive(Clone, Debug)]
pub struct Mismatch {
    pub line: usize,
    pub text: String,
    pub compare: Compare,
    pub reference: Outcome,
    pub candidate: Outcome,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  line {}: {}", self.line, self.text)?;
        if self.compare != Compare::Exact {
            writeln!(f, "    compare:   {:?}", self.compare)?;
        }
        writeln!(f, "    reference: {}", self.reference)?;
        write!(f, "    candidate: {}", self.candidate)
    }
}

/// `server/tests/diff`.
pub fn script_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("diff")
}

/// Names (without `.redis`) of every script in [`script_dir`], sorted.
pub fn script_names() -> Vec<String> {
    let dir = script_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".redis")).map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// The path of script `name` (`tests/diff/<name>.redis`).
pub fn script_path(name: &str) -> PathBuf {
    script_dir().join(format!("{name}.redis"))
}

/// Splits one line into arguments like redis-cli (`sdssplitargs`).
pub fn split_args(line: &str) -> Result<Vec<Arg>, String> {
    let bytes = line.as_bytes();
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return Ok(args);
        }
        let mut cur = Vec::new();
        let mut quoted = false;
        match bytes[i] {
            b'"' => {
                quoted = true;
                i += 1;
                loop {
                    let Some(&c) = bytes.get(i) else { return Err("unterminated double quote".into()) };
                    match c {
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\\' => {
                            let Some(&e) = bytes.get(i + 1) else { return Err("dangling backslash".into()) };
                            match e {
                                b'n' => cur.push(b'\n'),
                                b'r' => cur.push(b'\r'),
                                b't' => cur.push(b'\t'),
                                b'a' => cur.push(0x07),
                                b'b' => cur.push(0x08),
                                b'x' => {
                                    let hex = bytes
                                        .get(i + 2..i + 4)
                                        .and_then(|h| std::str::from_utf8(h).ok())
                                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                                    match hex {
                                        Some(v) => {
                                            cur.push(v);
                                            i += 2;
                                        }
                                        None => cur.push(b'x'),
                                    }
                                }
                                other => cur.push(other),
                            }
                            i += 2;
                        }
                        _ => {
                            cur.push(c);
                            i += 1;
                        }
                    }
                }
            }
            b'\'' => {
                quoted = true;
                i += 1;
                loop {
                    let Some(&c) = bytes.get(i) else { return Err("unterminated single quote".into()) };
                    match c {
                        b'\'' => {
                            i += 1;
                            break;
                        }
                        b'\\' if bytes.get(i + 1) == Some(&b'\'') => {
                            cur.push(b'\'');
                            i += 2;
                        }
                        _ => {
                            cur.push(c);
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    if bytes[i] == b'"' || bytes[i] == b'\'' {
                        return Err("quote inside an unquoted argument".into());
                    }
                    cur.push(bytes[i]);
                    i += 1;
                }
            }
        }
        if quoted && i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            return Err("closing quote must be followed by a space".into());
        }
        let var = if quoted {
            None
        } else {
            std::str::from_utf8(&cur).ok().and_then(|s| s.strip_prefix("${")).and_then(|s| s.strip_suffix('}'))
        };
        match var {
            Some(name) if !name.is_empty() => args.push(Arg::Var(name.to_owned())),
            _ => args.push(Arg::Literal(cur)),
        }
    }
}

/// Parses a whole script. Errors carry the line number.
pub fn parse_script(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let err = |msg: String| format!("line {line_no}: {msg}: {raw}");
        let mut rest = raw.trim();
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if let Some(ms) = rest.strip_prefix("@sleep") {
            let ms: u64 = ms.trim().parse().map_err(|_| err("@sleep needs milliseconds".into()))?;
            steps.push(Step {
                line: line_no,
                text: rest.to_owned(),
                compare: Compare::Skip,
                conn: 0,
                capture: None,
                action: Action::Sleep(Duration::from_millis(ms)),
            });
            continue;
        }
        let mut compare = Compare::Exact;
        let mut conn = 0;
        let mut capture = None;
        loop {
            let mode = match rest.as_bytes().first() {
                Some(b'~') => Some(Compare::Sorted),
                Some(b'?') => Some(Compare::Shape),
                Some(b'!') => Some(Compare::Skip),
                _ => None,
            };
            if let Some(mode) = mode {
                if compare != Compare::Exact {
                    return Err(err("more than one comparison modifier".into()));
                }
                compare = mode;
                rest = rest[1..].trim_start();
                continue;
            }
            if !rest.starts_with('@') {
                break;
            }
            let (token, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            rest = tail.trim_start();
            if token == "@approx" || token.starts_with("@approx=") {
                if compare != Compare::Exact {
                    return Err(err("more than one comparison modifier".into()));
                }
                let tolerance = match token.strip_prefix("@approx=") {
                    Some(n) => n.parse().map_err(|_| err(format!("bad tolerance in {token}")))?,
                    None => 1,
                };
                compare = Compare::Approx(tolerance);
            } else if let Some(n) = token.strip_prefix("@conn=") {
                conn = n.parse().map_err(|_| err(format!("bad connection number in {token}")))?;
                if conn > 16 {
                    return Err(err("at most 16 connections".into()));
                }
            } else if let Some(name) = token.strip_prefix("@capture=") {
                if name.is_empty() {
                    return Err(err("empty capture name".into()));
                }
                capture = Some(name.to_owned());
            } else {
                return Err(err(format!("unknown modifier {token}")));
            }
        }
        let args = split_args(rest).map_err(err)?;
        if args.is_empty() {
            return Err(err("modifiers without a command".into()));
        }
        steps.push(Step {
            line: line_no,
            text: raw.trim().to_owned(),
            compare,
            conn,
            capture,
            action: Action::Command(args),
        });
    }
    Ok(steps)
}

/// One server's side of a script run: its connections and captured values.
struct Side {
    port: u16,
    conns: Vec<Option<RespConn>>,
    vars: HashMap<String, Vec<u8>>,
}

impl Side {
    fn new(port: u16, label: &str) -> Side {
        let mut conn = RespConn::try_connect(port)
            .unwrap_or_else(|e| panic!("differential run: cannot connect to the {label} on port {port}: {e}"));
        match conn.try_cmd(&["FLUSHALL"]) {
            Ok(r) if r == Reply::ok() => {}
            other => panic!("differential run: FLUSHALL on the {label} (port {port}) answered {other:?}"),
        }
        Side { port, conns: vec![Some(conn)], vars: HashMap::new() }
    }

    fn run(&mut self, step: &Step, args: &[Arg]) -> Outcome {
        let mut resolved = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Arg::Literal(b) => resolved.push(b.clone()),
                Arg::Var(name) => match self.vars.get(name) {
                    Some(v) => resolved.push(v.clone()),
                    None => return Outcome::Failed(format!("${{{name}}} was never captured")),
                },
            }
        }
        if self.conns.len() <= step.conn {
            self.conns.resize_with(step.conn + 1, || None);
        }
        let port = self.port;
        let slot = &mut self.conns[step.conn];
        if slot.is_none() {
            match RespConn::try_connect(port) {
                Ok(c) => *slot = Some(c),
                Err(e) => return Outcome::Failed(format!("cannot connect: {e}")),
            }
        }
        let Some(conn) = slot.as_mut() else { return Outcome::Failed("no connection".into()) };
        let outcome = match conn.try_cmd(&resolved) {
            Ok(reply) => Outcome::Reply(reply),
            Err(e) if is_closed(&e) => Outcome::Closed,
            Err(e) => Outcome::Failed(e.to_string()),
        };
        let is_quit = resolved.first().is_some_and(|c| c.eq_ignore_ascii_case(b"QUIT"));
        let outcome = match outcome {
            Outcome::Reply(r) if is_quit && !conn.is_closed_within(Duration::from_secs(2)) => {
                Outcome::Failed(format!("replied {r:?} to QUIT but kept the connection open"))
            }
            other => other,
        };
        // A connection that closed, timed out or quit is replaced on its next use.
        if is_quit || !matches!(outcome, Outcome::Reply(_)) {
            *slot = None;
        }
        outcome
    }

    fn capture(&mut self, name: &str, outcome: &Outcome) -> Result<(), String> {
        match outcome {
            Outcome::Reply(Reply::Bulk(b)) => {
                self.vars.insert(name.to_owned(), b.clone());
                Ok(())
            }
            other => Err(format!("@capture={name} needs a bulk reply, got {other}")),
        }
    }
}

fn is_closed(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

pub fn outcomes_match(compare: Compare, a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Failed(_), _) | (_, Outcome::Failed(_)) => false,
        (Outcome::Closed, Outcome::Closed) => true,
        (Outcome::Reply(x), Outcome::Reply(y)) => match compare {
            Compare::Exact => x == y,
            Compare::Sorted => x.sorted() == y.sorted(),
            Compare::Shape => x.same_shape(y),
            Compare::Skip => true,
            Compare::Approx(t) => x.approx_eq(y, t),
        },
        _ => false,
    }
}

/// Runs parsed `steps` against both servers; returns every line where they disagree.
pub fn run_steps(reference_port: u16, candidate_port: u16, steps: &[Step]) -> Vec<Mismatch> {
    let mut reference = Side::new(reference_port, "reference");
    let mut candidate = Side::new(candidate_port, "candidate");
    let mut mismatches = Vec::new();
    for step in steps {
        let args = match &step.action {
            Action::Sleep(d) => {
                std::thread::sleep(*d);
                continue;
            }
            Action::Command(args) => args,
        };
        let mut a = reference.run(step, args);
        let mut b = candidate.run(step, args);
        if let Some(name) = &step.capture {
            if let Err(e) = reference.capture(name, &a) {
                a = Outcome::Failed(e);
            }
            if let Err(e) = candidate.capture(name, &b) {
                b = Outcome::Failed(e);
            }
        }
        if !outcomes_match(step.compare, &a, &b) {
            mismatches.push(Mismatch {
                line: step.line,
                text: step.text.clone(),
                compare: step.compare,
                reference: a,
                candidate: b,
            });
        }
    }
    mismatches
}

/// Runs `steps` against one server; returns each command step with its outcome.
pub fn replay(port: u16, steps: &[Step]) -> Vec<(&Step, Outcome)> {
    let mut side = Side::new(port, "server");
    let mut out = Vec::new();
    for step in steps {
        match &step.action {
            Action::Sleep(d) => std::thread::sleep(*d),
            Action::Command(args) => {
                let mut outcome = side.run(step, args);
                if let Some(name) = &step.capture {
                    if let Err(e) = side.capture(name, &outcome) {
                        outcome = Outcome::Failed(e);
                    }
                }
                out.push((step, outcome));
            }
        }
    }
    out
}

/// Parses and runs script `text` (named `name` in errors).
pub fn run_script_text(reference_port: u16, candidate_port: u16, name: &str, text: &str) -> Vec<Mismatch> {
    let steps = parse_script(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(!steps.is_empty(), "{name}: script has no commands");
    run_steps(reference_port, candidate_port, &steps)
}

/// Renders mismatches for a panic message.
pub fn report(name: &str, reference_port: u16, candidate_port: u16, mismatches: &[Mismatch]) -> String {
    let mut out = format!(
        "{name}: {} mismatch(es) (reference on port {reference_port}, candidate on port {candidate_port})\n",
        mismatches.len()
    );
    for m in mismatches {
        out.push_str(&m.to_string());
        out.push('\n');
    }
    out
}

/// Runs the script at `path` against both servers and panics listing every mismatch.
pub fn run_script_against(reference_port: u16, candidate_port: u16, path: impl AsRef<Path>) {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let name = path.display().to_string();
    let mismatches = run_script_text(reference_port, candidate_port, &name, &text);
    if !mismatches.is_empty() {
        panic!("{}", report(&name, reference_port, candidate_port, &mismatches));
    }
}
