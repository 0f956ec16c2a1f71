//! Defaults from a config file and the environment, for every long option.
//!
//! Where from: `--config FILE`, else `sbom.yaml` in the working folder, else
//! `$XDG_CONFIG_HOME/sbom/config.yaml` (`~/.config/sbom/config.yaml`). Precedence: the
//! command line, then the environment (`SBOM_<OPTION>`: `SBOM_CACHE_DIR`,
//! `SBOM_VERIFY`), then the config file, then the built-in defaults.
//!
//! The file is a YAML map from long option names (`cache-dir`, `verify`, `output`) to
//! values: a string or number, `true`/`false` for a flag, a list for a repeatable
//! option. Top-level keys apply to every command that has the option; a section named
//! after a command (`scan:`, `diff:`, `audit:`, …) applies to that command only. A key
//! that no command knows is an error naming the key and the file.
//!
//! How: the command line is parsed once to learn which options it set; every other
//! option with a value in the environment or the file is added to the arguments as if
//! typed (right after the subcommand), and clap parses the result: one parser, one set
//! of checks and messages for values from anywhere.
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Command};

/// A config file or environment value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
}

/// Options that take no value from a file or the environment.
const NOT_SETTABLE: [&str; 3] = ["help", "version", "config"];

/// The arguments to parse: `argv` plus what the environment and the config file set
/// for options the command line left alone.
pub fn effective_args(cmd: &Command, argv: Vec<OsString>) -> Result<Vec<OsString>, ConfigError> {
    let Ok(matches) = cmd.clone().try_get_matches_from(argv.iter()) else {
        // Let the real parse report the mistake.
        return Ok(argv);
    };
    let Some((sub_name, sub_matches)) = matches.subcommand() else {
        return Ok(argv);
    };
    let Some(sub) = cmd.find_subcommand(sub_name) else {
        return Ok(argv);
    };
    let file = match config_path(&argv)? {
        Some(path) => Some(load(&path, cmd)?),
        None => None,
    };
    let mut extra: Vec<OsString> = Vec::new();
    for arg in sub.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if NOT_SETTABLE.contains(&long) {
            continue;
        }
        if set_on_command_line(sub_matches, arg.get_id().as_str()) {
            continue;
        }
        let flag = matches!(arg.get_action(), ArgAction::SetTrue);
        let var = env_name(long);
        if let Some(v) = std::env::var_os(&var) {
            let v = v.to_string_lossy().into_owned();
            extra.extend(
                env_args(long, flag, &v).map_err(|message| ConfigError::Env {
                    var: var.clone(),
                    message,
                })?,
            );
            continue;
        }
        if let Some((path, values)) = &file {
            let value = values
                .get(sub_name)
                .and_then(|section| section.get(long))
                .or_else(|| values.get("").and_then(|top| top.get(long)));
            if let Some(v) = value {
                extra.extend(
                    file_args(long, flag, v).map_err(|message| ConfigError::File {
                        path: path.clone(),
                        message,
                    })?,
                );
            }
        }
    }
    if extra.is_empty() {
        return Ok(argv);
    }
    let at = subcommand_position(&argv, sub_name).unwrap_or(argv.len());
    let mut out = argv;
    let tail = out.split_off((at + 1).min(out.len()));
    out.extend(extra);
    out.extend(tail);
    Ok(out)
}

fn set_on_command_line(m: &ArgMatches, id: &str) -> bool {
    matches!(m.value_source(id), Some(ValueSource::CommandLine))
}

/// `cache-dir` → `SBOM_CACHE_DIR`.
pub fn env_name(long: &str) -> String {
    format!("SBOM_{}", long.to_ascii_uppercase().replace('-', "_"))
}

fn env_args(long: &str, flag: bool, v: &str) -> Result<Vec<OsString>, String> {
    if flag {
        return match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(vec![format!("--{long}").into()]),
            "" | "0" | "false" | "no" | "off" => Ok(Vec::new()),
            other => Err(format!("`{other}` is not a yes/no value for --{long}")),
        };
    }
    Ok(vec![format!("--{long}={v}").into()])
}

fn file_args(long: &str, flag: bool, v: &serde_json::Value) -> Result<Vec<OsString>, String> {
    use serde_json::Value;
    let scalar = |v: &Value| -> Result<String, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(format!("`{long}`: expected a value, found {v}")),
        }
    };
    if flag {
        return match v {
            Value::Bool(true) => Ok(vec![format!("--{long}").into()]),
            Value::Bool(false) | Value::Null => Ok(Vec::new()),
            other => Err(format!("`{long}` is a flag: true or false, not {other}")),
        };
    }
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| scalar(i).map(|s| format!("--{long}={s}").into()))
            .collect(),
        Value::Null => Ok(Vec::new()),
        other => Ok(vec![format!("--{long}={}", scalar(other)?).into()]),
    }
}

/// Where the subcommand's name stands in `argv` (after any global `--config FILE`).
fn subcommand_position(argv: &[OsString], name: &str) -> Option<usize> {
    let mut skip_next = false;
    for (i, a) in argv.iter().enumerate().skip(1) {
        if skip_next {
            skip_next = false;
            continue;
        }
        if a == "--config" {
            skip_next = true;
            continue;
        }
        if a.to_str() == Some(name) {
            return Some(i);
        }
    }
    None
}

/// `--config FILE` (an error when it does not exist), else the first default file that
/// exists.
fn config_path(argv: &[OsString]) -> Result<Option<PathBuf>, ConfigError> {
    let mut given = None;
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--config" {
            given = it.next().map(PathBuf::from);
        } else if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--config=")) {
            given = Some(PathBuf::from(v));
        }
    }
    if let Some(p) = given {
        if !p.is_file() {
            return Err(ConfigError::File {
                path: p,
                message: "no such file".into(),
            });
        }
        return Ok(Some(p));
    }
    let mut candidates = vec![PathBuf::from("sbom.yaml")];
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(x) = xdg {
        candidates.push(x.join("sbom").join("config.yaml"));
    }
    Ok(candidates.into_iter().find(|p| p.is_file()))
}

/// Section (`""`: top level, else a command name) → option → value.
type Values = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

/// Reads and checks a config file: every key must be a long option of some command
/// (top level) or of the command whose section it is in.
fn load(path: &Path, cmd: &Command) -> Result<(PathBuf, Values), ConfigError> {
    let err = |message: String| ConfigError::File {
        path: path.to_path_buf(),
        message,
    };
    let text = fs_err::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let doc: serde_json::Value = if text.trim().is_empty() {
        serde_json::Value::Object(serde_json::Map::new())
    } else {
        serde_norway::from_str(&text).map_err(|e| err(format!("not valid YAML: {e}")))?
    };
    let serde_json::Value::Object(top) = doc else {
        return Err(err("expected a map of option names to values".into()));
    };
    let options = |c: &Command| -> Vec<String> {
        c.get_arguments()
            .filter_map(|a| a.get_long())
            .filter(|l| !NOT_SETTABLE.contains(l))
            .map(str::to_string)
            .collect()
    };
    let all: Vec<String> = cmd.get_subcommands().flat_map(options).collect();
    let mut values = Values::new();
    for (key, value) in top {
        if let Some(sub) = cmd.find_subcommand(&key) {
            let serde_json::Value::Object(section) = value else {
                return Err(err(format!("`{key}`: expected a map of {key}'s options")));
            };
            let known = options(sub);
            for (k, v) in section {
                if !known.contains(&k) {
                    return Err(err(format!(
                        "unknown key `{key}.{k}`: sbom {key} has no --{k}"
                    )));
                }
                values.entry(key.clone()).or_default().insert(k, v);
            }
        } else if all.contains(&key) {
            values.entry(String::new()).or_default().insert(key, value);
        } else {
            return Err(err(format!("unknown key `{key}`: no command has --{key}")));
        }
    }
    Ok((path.to_path_buf(), values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_and_values() {
        assert_eq!(env_name("cache-dir"), "SBOM_CACHE_DIR");
        assert_eq!(env_args("strict", true, "yes").unwrap(), ["--strict"]);
        assert!(env_args("strict", true, "0").unwrap().is_empty());
        assert!(env_args("strict", true, "maybe").is_err());
        assert_eq!(
            env_args("verify", false, "blobs").unwrap(),
            ["--verify=blobs"]
        );
    }

    #[test]
    fn file_values_become_arguments() {
        use serde_json::json;
        assert_eq!(
            file_args("output", false, &json!(["spdx-json", "cyclonedx-json"])).unwrap(),
            ["--output=spdx-json", "--output=cyclonedx-json"]
        );
        assert_eq!(file_args("jobs", false, &json!(4)).unwrap(), ["--jobs=4"]);
        assert_eq!(
            file_args("no-cache", true, &json!(true)).unwrap(),
            ["--no-cache"]
        );
        assert!(file_args("no-cache", true, &json!("yes")).is_err());
        assert!(file_args("verify", false, &json!({"a": 1})).is_err());
    }
}
