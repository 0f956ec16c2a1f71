//! Walking Ansible content: playbooks, plays, roles, task files, blocks, includes and loops.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::jinja::{Ctx, Jinja};
use crate::yaml::{read_yaml, scalar_text, LineFinder};
use crate::{AnsibleError, AnsibleOptions, AnsibleReport, ExtraVars, Unresolved};

/// How deep includes and role inclusions may nest.
const MAX_NEST: usize = 24;

/// Task keywords: every other key of a task is its module.
const KEYWORDS: &[&str] = &[
    "name",
    "when",
    "loop",
    "loop_control",
    "vars",
    "become",
    "become_user",
    "become_method",
    "become_flags",
    "become_exe",
    "tags",
    "register",
    "notify",
    "block",
    "rescue",
    "always",
    "ignore_errors",
    "ignore_unreachable",
    "changed_when",
    "failed_when",
    "until",
    "retries",
    "delay",
    "environment",
    "no_log",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "args",
    "check_mode",
    "diff",
    "any_errors_fatal",
    "throttle",
    "listen",
    "connection",
    "collections",
    "module_defaults",
    "debugger",
    "async",
    "poll",
    "timeout",
    "remote_user",
    "port",
    "local_action",
    "action",
    "with_items",
    "with_list",
    "with_dict",
    "with_flattened",
    "with_fileglob",
    "with_together",
    "with_subelements",
    "with_nested",
    "with_sequence",
    "with_indexed_items",
    "with_random_choice",
    "with_first_found",
    "with_lines",
    "with_inventory_hostnames",
    "with_community.general.filetree",
    "vars_files",
    "max_fail_percentage",
    "serial",
    "strategy",
];

/// Where a task sits and what guards it.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub file: String,
    pub line: Option<u32>,
    pub scope: Option<String>,
    pub hosts: Option<String>,
    pub task: Option<String>,
    pub module: String,
    pub when: Vec<String>,
}

/// What a task sees: variables, its role, the conditions of enclosing blocks.
#[derive(Clone, Debug)]
pub(crate) struct Env {
    pub ctx: Ctx,
    pub scope: Option<String>,
    pub hosts: Option<String>,
    pub role_dir: Option<PathBuf>,
    pub play_vars: Map<String, Value>,
    pub when: Vec<String>,
    pub file: PathBuf,
    /// `include_vars` whose file name could not be resolved yet (raw name), retried when
    /// an include chosen by a fact binds that fact.
    pub pending_vars: Vec<Value>,
}

pub(crate) struct Walker<'a> {
    pub jinja: Jinja,
    opts: &'a AnsibleOptions,
    base: PathBuf,
    extra: Map<String, Value>,
    group_vars: Map<String, Value>,
    roles_dirs: Vec<PathBuf>,
    playbook_dir: Option<PathBuf>,
    pub report: AnsibleReport,
    stack: Vec<String>,
    /// Compose files already scanned through a task.
    pub scanned: BTreeSet<PathBuf>,
}

/// Entry point of [`crate::read_ansible`].
pub(crate) fn read(path: &Path, opts: &AnsibleOptions) -> Result<AnsibleReport, AnsibleError> {
    let meta = std::fs::metadata(path).map_err(|e| AnsibleError::io(path, e))?;
    // `.` or `..` name no folder: resolve them so origins start with the folder's name.
    let resolved;
    let path = if path.file_name().is_none() {
        resolved = path.canonicalize().map_err(|e| AnsibleError::io(path, e))?;
        resolved.as_path()
    } else {
        path
    };
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let extra = load_extra(&opts.extra_vars)?;
    let mut w = Walker {
        jinja: Jinja::new(),
        opts,
        base,
        extra,
        group_vars: Map::new(),
        roles_dirs: Vec::new(),
        playbook_dir: None,
        report: AnsibleReport::default(),
        stack: Vec::new(),
        scanned: BTreeSet::new(),
    };
    if meta.is_file() {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        w.setup_folder(&dir)?;
        let (_, v) = read_yaml(path)?;
        if is_playbook(&v) {
            w.playbook(path)?;
        } else if v.is_array() || v.is_null() {
            let scope = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            let env = w.play_env(None, scope, Map::new(), path);
            w.tasks_file(path, &env)?;
        } else {
            return Err(AnsibleError::NotAnsible {
                path: path.to_path_buf(),
                reason: "the file is neither a playbook nor a list of tasks".to_string(),
            });
        }
    } else if is_role(path) {
        if let Some(parent) = path.parent() {
            w.roles_dirs.push(parent.to_path_buf());
        }
        let name = dir_name(path);
        let env = w.play_env(None, None, Map::new(), path);
        w.run_role(path, &name, "main", &env, &Map::new(), Vec::new(), None)?;
    } else {
        w.setup_folder(path)?;
        let playbooks = find_playbooks(path)?;
        if !playbooks.is_empty() {
            for p in playbooks {
                w.playbook(&p)?;
            }
        } else {
            let roles = list_roles(&path.join("roles"))?;
            if roles.is_empty() {
                return Err(AnsibleError::NotAnsible {
                    path: path.to_path_buf(),
                    reason: "no tasks/main.yml, no playbook and no roles/*".to_string(),
                });
            }
            for r in roles {
                let name = dir_name(&r);
                let env = w.play_env(None, None, Map::new(), &r);
                w.run_role(&r, &name, "main", &env, &Map::new(), Vec::new(), None)?;
            }
        }
    }
    Ok(w.finish())
}

fn dir_name(p: &Path) -> String {
    p.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn is_role(p: &Path) -> bool {
    ["main.yml", "main.yaml"]
        .iter()
        .any(|m| p.join("tasks").join(m).is_file())
        || p.join("meta").join("main.yml").is_file() && p.join("defaults").is_dir()
}

fn is_playbook(v: &Value) -> bool {
    v.as_array().is_some_and(|plays| {
        !plays.is_empty()
            && plays.iter().all(|p| {
                p.as_object().is_some_and(|m| {
                    m.contains_key("hosts")
                        || m.contains_key("import_playbook")
                        || m.contains_key("ansible.builtin.import_playbook")
                })
            })
    })
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, AnsibleError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| AnsibleError::io(dir, e))? {
        let e = e.map_err(|e| AnsibleError::io(dir, e))?;
        out.push(e.path());
    }
    out.sort();
    Ok(out)
}

fn is_yaml_name(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yml") | Some("yaml")
    )
}

fn find_playbooks(dir: &Path) -> Result<Vec<PathBuf>, AnsibleError> {
    let mut out = Vec::new();
    for p in sorted_entries(dir)? {
        if p.is_file() && is_yaml_name(&p) {
            let (_, v) = read_yaml(&p)?;
            if is_playbook(&v) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

fn list_roles(dir: &Path) -> Result<Vec<PathBuf>, AnsibleError> {
    Ok(sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.is_dir() && is_role(p))
        .collect())
}

/// Loads a vars folder: `main.yml`/`main.yaml`, or every YAML file of `main/`.
fn load_vars_dir(dir: &Path) -> Result<Map<String, Value>, AnsibleError> {
    let mut out = Map::new();
    let mut files: Vec<PathBuf> = ["main.yml", "main.yaml"]
        .iter()
        .map(|m| dir.join(m))
        .filter(|p| p.is_file())
        .collect();
    files.extend(
        sorted_entries(&dir.join("main"))?
            .into_iter()
            .filter(|p| p.is_file() && is_yaml_name(p)),
    );
    for f in files {
        merge_into(&mut out, load_vars_file(&f)?);
    }
    Ok(out)
}

fn load_vars_file(f: &Path) -> Result<Map<String, Value>, AnsibleError> {
    let (_, v) = read_yaml(f)?;
    Ok(match v {
        Value::Object(m) => m,
        _ => Map::new(),
    })
}

fn merge_into(dst: &mut Map<String, Value>, src: Map<String, Value>) {
    for (k, v) in src {
        dst.insert(k, v);
    }
}

fn load_extra(list: &[ExtraVars]) -> Result<Map<String, Value>, AnsibleError> {
    let mut out = Map::new();
    for e in list {
        match e {
            ExtraVars::File(f) => {
                let (_, v) = read_yaml(f)?;
                match v {
                    Value::Object(m) => merge_into(&mut out, m),
                    Value::Null => {}
                    _ => {
                        return Err(AnsibleError::ExtraVars {
                            arg: f.display().to_string(),
                            message: "the file is not a mapping of variables".to_string(),
                        })
                    }
                }
            }
            ExtraVars::Pair(k, v) => {
                out.insert(k.clone(), Value::String(v.clone()));
            }
            ExtraVars::Inline(text) => {
                match crate::yaml::parse_yaml(Path::new("<extra-vars>"), text)? {
                    Value::Object(m) => merge_into(&mut out, m),
                    _ => {
                        return Err(AnsibleError::ExtraVars {
                            arg: text.clone(),
                            message: "not a mapping".to_string(),
                        })
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The `when:` of a task as a list of conditions (not evaluated).
fn when_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(scalar_text).collect(),
        Some(other) => scalar_text(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Normalises a module name: `ansible.builtin.apt` and `community.docker.docker_container`
/// become `apt` and `docker_container`.
fn short_module(m: &str) -> String {
    m.rsplit('.').next().unwrap_or(m).to_string()
}

/// Parses free-form `k=v` module arguments; other words go to `_raw_params`.
pub(crate) fn free_form(s: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut raw = Vec::new();
    for w in crate::split_words(s) {
        match w.split_once('=') {
            Some((k, v))
                if !k.is_empty()
                    && !k.contains("{{")
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.insert(k.to_string(), Value::String(v.to_string()));
            }
            _ => raw.push(w),
        }
    }
    if !raw.is_empty() {
        out.insert("_raw_params".to_string(), Value::String(raw.join(" ")));
    }
    out
}

impl Walker<'_> {
    /// Path as shown in origins: relative to the parent of the input path.
    pub(crate) fn display(&self, p: &Path) -> String {
        let rel = p.strip_prefix(&self.base).unwrap_or(p);
        rel.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }

    pub(crate) fn verbose(&self) -> bool {
        self.opts.verbose
    }

    fn setup_folder(&mut self, dir: &Path) -> Result<(), AnsibleError> {
        self.playbook_dir = Some(dir.to_path_buf());
        self.roles_dirs.push(dir.join("roles"));
        let gv = dir.join("group_vars");
        for f in ["all.yml", "all.yaml", "all"] {
            let p = gv.join(f);
            if p.is_file() {
                let m = load_vars_file(&p)?;
                merge_into(&mut self.group_vars, m);
            } else if p.is_dir() {
                for q in sorted_entries(&p)? {
                    if q.is_file() && is_yaml_name(&q) {
                        let m = load_vars_file(&q)?;
                        merge_into(&mut self.group_vars, m);
                    }
                }
            }
        }
        Ok(())
    }

    fn play_env(
        &self,
        hosts: Option<String>,
        scope: Option<String>,
        play_vars: Map<String, Value>,
        file: &Path,
    ) -> Env {
        let ctx = Ctx::build(&self.jinja, &[&self.group_vars, &play_vars], &self.extra);
        Env {
            ctx,
            scope,
            hosts,
            role_dir: None,
            play_vars,
            when: Vec::new(),
            file: file.to_path_buf(),
            pending_vars: Vec::new(),
        }
    }

    pub(crate) fn unresolved(
        &mut self,
        site: &Site,
        line: Option<u32>,
        what: &str,
        exprs: &[String],
    ) {
        for e in exprs {
            self.report.unresolved.push(Unresolved {
                file: site.file.clone(),
                line: line.or(site.line),
                scope: site.scope.clone(),
                what: what.to_string(),
                expression: e.clone(),
            });
        }
    }

    fn finish(mut self) -> AnsibleReport {
        let r = &mut self.report;
        r.packages.sort_by(|a, b| {
            origin_key(a)
                .cmp(&origin_key(b))
                .then_with(|| a.sort_key().cmp(&b.sort_key()))
                .then_with(|| a.download_url.cmp(&b.download_url))
        });
        // The same declaration reached twice (a role run alone and through include_role)
        // is one package: the first one read wins.
        r.packages.dedup_by(|a, b| {
            a.ecosystem == b.ecosystem
                && a.name == b.name
                && a.version == b.version
                && a.origin == b.origin
                && a.download_url == b.download_url
                && a.purl == b.purl
        });
        crate::disambiguate(&mut r.packages);
        r.images.sort();
        r.images.dedup();
        r.sources.sort();
        r.sources.dedup();
        r.unresolved.sort();
        r.unresolved.dedup();
        r.ignored_modules.sort();
        r.ignored_modules.dedup();
        self.report
    }

    fn playbook(&mut self, path: &Path) -> Result<(), AnsibleError> {
        let key = format!("playbook:{}", path.display());
        if self.stack.contains(&key) || self.stack.len() > MAX_NEST {
            return Ok(());
        }
        self.stack.push(key);
        let res = self.playbook_inner(path);
        self.stack.pop();
        res
    }

    fn playbook_inner(&mut self, path: &Path) -> Result<(), AnsibleError> {
        let (text, v) = read_yaml(path)?;
        let Value::Array(plays) = v else {
            return Ok(());
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut finder = LineFinder::new(&text);
        let file = self.display(path);
        for play in &plays {
            let line = finder.find(play, None).map(|f| f.0);
            let Value::Object(m) = play else { continue };
            let base_env = self.play_env(None, None, Map::new(), path);
            if let Some(imp) = m
                .get("import_playbook")
                .or_else(|| m.get("ansible.builtin.import_playbook"))
            {
                let o = self.jinja.eval(imp, &base_env.ctx);
                let site = Site {
                    file: file.clone(),
                    line,
                    scope: None,
                    hosts: None,
                    task: None,
                    module: "import_playbook".into(),
                    when: Vec::new(),
                };
                if !o.unresolved.is_empty() {
                    self.unresolved(&site, None, "import_playbook", &o.unresolved);
                    continue;
                }
                if let Some(f) = o.text() {
                    let p = dir.join(&f);
                    if p.is_file() {
                        self.playbook(&p)?;
                    } else {
                        self.unresolved(&site, None, "import_playbook file not found", &[f]);
                    }
                }
                continue;
            }
            let hosts = match m.get("hosts") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(scalar_text)
                    .collect::<Vec<_>>()
                    .join(","),
                Some(v) => {
                    let o = self.jinja.eval(v, &base_env.ctx);
                    o.text().unwrap_or_default()
                }
                None => String::new(),
            };
            let hosts = (!hosts.is_empty()).then_some(hosts);
            let mut play_vars = match m.get("vars") {
                Some(Value::Object(v)) => v.clone(),
                _ => Map::new(),
            };
            let files: Vec<Value> = match m.get("vars_files") {
                Some(Value::Array(a)) => a.clone(),
                Some(v @ Value::String(_)) => vec![v.clone()],
                _ => Vec::new(),
            };
            for f in files {
                let env = self.play_env(hosts.clone(), hosts.clone(), play_vars.clone(), path);
                let o = self.jinja.eval(&f, &env.ctx);
                let site = Site {
                    file: file.clone(),
                    line,
                    scope: hosts.clone(),
                    hosts: hosts.clone(),
                    task: None,
                    module: "vars_files".into(),
                    when: Vec::new(),
                };
                match o.text() {
                    Some(t) if o.unresolved.is_empty() && dir.join(&t).is_file() => {
                        merge_into(&mut play_vars, load_vars_file(&dir.join(&t))?);
                    }
                    Some(t) if o.unresolved.is_empty() => {
                        self.unresolved(&site, None, "vars_files file not found", &[t])
                    }
                    _ => self.unresolved(&site, None, "vars_files", &o.unresolved),
                }
            }
            let mut env = self.play_env(hosts.clone(), hosts.clone(), play_vars, path);
            if let Some(Value::Array(t)) = m.get("pre_tasks") {
                self.task_list(t, &mut env, &mut finder)?;
            }
            if let Some(Value::Array(roles)) = m.get("roles") {
                for r in roles {
                    self.play_role(r, &env, &file, line)?;
                }
            }
            for key in ["tasks", "post_tasks"] {
                if let Some(Value::Array(t)) = m.get(key) {
                    self.task_list(t, &mut env, &mut finder)?;
                }
            }
        }
        Ok(())
    }

    fn play_role(
        &mut self,
        r: &Value,
        env: &Env,
        file: &str,
        line: Option<u32>,
    ) -> Result<(), AnsibleError> {
        let (name_raw, params, when) = match r {
            Value::Object(m) => {
                let name = m
                    .get("role")
                    .or_else(|| m.get("name"))
                    .cloned()
                    .unwrap_or(Value::Null);
                let mut params = Map::new();
                for (k, v) in m {
                    match k.as_str() {
                        "role" | "name" | "when" | "tags" | "become" | "become_user"
                        | "delegate_to" => {}
                        "vars" => {
                            if let Value::Object(vm) = v {
                                merge_into(&mut params, vm.clone());
                            }
                        }
                        _ => {
                            params.insert(k.clone(), v.clone());
                        }
                    }
                }
                (name, params, when_list(m.get("when")))
            }
            other => (other.clone(), Map::new(), Vec::new()),
        };
        let o = self.jinja.eval(&name_raw, &env.ctx);
        let site = Site {
            file: file.to_string(),
            line,
            scope: env.scope.clone(),
            hosts: env.hosts.clone(),
            task: None,
            module: "roles".into(),
            when: Vec::new(),
        };
        let Some(name) = o.text().filter(|_| o.unresolved.is_empty()) else {
            self.unresolved(&site, None, "role", &o.unresolved);
            return Ok(());
        };
        match self.find_role(&name, env) {
            Some(dir) => self.run_role(&dir, &name, "main", env, &params, when, None),
            None => {
                self.unresolved(&site, None, "role not found", &[name]);
                Ok(())
            }
        }
    }

    fn find_role(&self, name: &str, env: &Env) -> Option<PathBuf> {
        let last = name.rsplit('.').next().unwrap_or(name);
        let mut dirs: Vec<PathBuf> = self.roles_dirs.clone();
        if let Some(parent) = env.role_dir.as_deref().and_then(Path::parent) {
            dirs.push(parent.to_path_buf());
        }
        if let Some(pd) = &self.playbook_dir {
            dirs.push(pd.clone());
        }
        for d in &dirs {
            for n in [name, last] {
                let p = d.join(n);
                if p.is_dir() && is_role(&p) {
                    return Some(p);
                }
            }
        }
        None
    }

    /// Runs a role's tasks file with the role's own variables.
    #[allow(clippy::too_many_arguments)]
    fn run_role(
        &mut self,
        dir: &Path,
        name: &str,
        tasks_from: &str,
        parent: &Env,
        params: &Map<String, Value>,
        when: Vec<String>,
        item: Option<(String, Value)>,
    ) -> Result<(), AnsibleError> {
        let key = format!("role:{}:{tasks_from}", dir.display());
        if self.stack.contains(&key) || self.stack.len() > MAX_NEST {
            return Ok(());
        }
        self.stack.push(key);
        let res = self.run_role_inner(dir, name, tasks_from, parent, params, when, item);
        self.stack.pop();
        res
    }

    #[allow(clippy::too_many_arguments)]
    fn run_role_inner(
        &mut self,
        dir: &Path,
        name: &str,
        tasks_from: &str,
        parent: &Env,
        params: &Map<String, Value>,
        when: Vec<String>,
        item: Option<(String, Value)>,
    ) -> Result<(), AnsibleError> {
        let defaults = load_vars_dir(&dir.join("defaults"))?;
        let vars = load_vars_dir(&dir.join("vars"))?;
        let mut ctx = Ctx::build(
            &self.jinja,
            &[&defaults, &self.group_vars, &parent.play_vars, &vars],
            &self.extra,
        );
        if !params.is_empty() {
            ctx = ctx.with(&self.jinja, params);
        }
        if let Some((k, v)) = item {
            let mut m = Map::new();
            m.insert(k, v);
            ctx = ctx.with_values(m);
        }
        let short = name.rsplit('.').next().unwrap_or(name).to_string();
        let mut all_when = parent.when.clone();
        all_when.extend(when);
        let tasks_dir = dir.join("tasks");
        let env = Env {
            ctx,
            scope: Some(short),
            hosts: parent.hosts.clone(),
            role_dir: Some(dir.to_path_buf()),
            play_vars: parent.play_vars.clone(),
            when: all_when,
            file: tasks_dir.join("main.yml"),
            pending_vars: Vec::new(),
        };
        if tasks_from == "main" {
            self.role_dependencies(dir, &env)?;
        }
        let file = [
            format!("{tasks_from}.yml"),
            format!("{tasks_from}.yaml"),
            tasks_from.to_string(),
        ]
        .iter()
        .map(|f| tasks_dir.join(f))
        .find(|p| p.is_file());
        if let Some(f) = file {
            self.tasks_file(&f, &env)?;
        }
        if tasks_from == "main" {
            self.role_templates(dir, &env)?;
        }
        Ok(())
    }

    fn role_dependencies(&mut self, dir: &Path, env: &Env) -> Result<(), AnsibleError> {
        let meta = dir.join("meta").join("main.yml");
        if !meta.is_file() {
            return Ok(());
        }
        let (_, v) = read_yaml(&meta)?;
        let deps = match v.get("dependencies") {
            Some(Value::Array(d)) => d.clone(),
            _ => return Ok(()),
        };
        let file = self.display(&meta);
        for d in &deps {
            self.play_role(d, env, &file, None)?;
        }
        Ok(())
    }

    /// Reads a task file with the given environment.
    pub(crate) fn tasks_file(&mut self, path: &Path, env: &Env) -> Result<(), AnsibleError> {
        let key = format!("tasks:{}", path.display());
        if self.stack.contains(&key) || self.stack.len() > MAX_NEST {
            return Ok(());
        }
        self.stack.push(key);
        let res = (|| {
            let (text, v) = read_yaml(path)?;
            let mut env = env.clone();
            env.file = path.to_path_buf();
            let mut finder = LineFinder::new(&text);
            if let Value::Array(tasks) = &v {
                self.task_list(tasks, &mut env, &mut finder)?;
            }
            Ok(())
        })();
        self.stack.pop();
        res
    }

    fn task_list(
        &mut self,
        tasks: &[Value],
        env: &mut Env,
        finder: &mut LineFinder,
    ) -> Result<(), AnsibleError> {
        let mut indent = None;
        for t in tasks {
            let found = finder.find(t, indent);
            if let Some((_, i)) = found {
                indent.get_or_insert(i);
            }
            self.task(t, found.map(|f| f.0), env, finder)?;
        }
        Ok(())
    }

    fn task(
        &mut self,
        t: &Value,
        line: Option<u32>,
        env: &mut Env,
        finder: &mut LineFinder,
    ) -> Result<(), AnsibleError> {
        let Value::Object(m) = t else {
            return Ok(());
        };
        let task_name = m.get("name").and_then(scalar_text);
        let mut when = env.when.clone();
        when.extend(when_list(m.get("when")));
        let task_vars = match m.get("vars") {
            Some(Value::Object(v)) => v.clone(),
            _ => Map::new(),
        };
        if m.contains_key("block") {
            let mut child = env.clone();
            child.when = when;
            if !task_vars.is_empty() {
                child.ctx = child.ctx.with(&self.jinja, &task_vars);
            }
            for key in ["block", "rescue", "always"] {
                if let Some(Value::Array(children)) = m.get(key) {
                    self.task_list(children, &mut child, finder)?;
                }
            }
            return Ok(());
        }
        let Some((module_full, args_raw)) = module_of(m) else {
            return Ok(());
        };
        let module = short_module(&module_full);
        let mut args = match args_raw {
            Value::Object(a) => a,
            Value::String(s) => free_form(&s),
            _ => Map::new(),
        };
        if let Some(Value::Object(extra)) = m.get("args") {
            for (k, v) in extra {
                args.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        let site = Site {
            file: self.display(&env.file),
            line,
            scope: env.scope.clone(),
            hosts: env.hosts.clone(),
            task: task_name,
            module: module.clone(),
            when: when.clone(),
        };
        let ctx = if task_vars.is_empty() {
            env.ctx.clone()
        } else {
            env.ctx.with(&self.jinja, &task_vars)
        };
        let loop_var = m
            .get("loop_control")
            .and_then(|lc| lc.get("loop_var"))
            .and_then(scalar_text)
            .unwrap_or_else(|| "item".to_string());
        let items = self.loop_items(m, &ctx, &site);
        let iterations: Vec<(Ctx, Option<Value>)> = match items {
            None => vec![(ctx.clone(), None)],
            Some(list) => list
                .into_iter()
                .map(|it| match it {
                    Some(v) => {
                        let mut mm = Map::new();
                        mm.insert(loop_var.clone(), v.clone());
                        (ctx.with_values(mm), Some(v))
                    }
                    None => (ctx.clone(), None),
                })
                .collect(),
        };
        match module.as_str() {
            "include_tasks" | "import_tasks" | "include" => {
                for (c, _) in &iterations {
                    self.include_tasks(&args, c, env, &site, &when)?;
                }
            }
            "include_role" | "import_role" => {
                for (c, item) in &iterations {
                    self.include_role(
                        &args,
                        c,
                        env,
                        &site,
                        &when,
                        &task_vars,
                        item.clone().map(|v| (loop_var.clone(), v)),
                    )?;
                }
            }
            "set_fact" => {
                let facts: Map<String, Value> =
                    args.into_iter().filter(|(k, _)| k != "cacheable").collect();
                env.ctx = env.ctx.with(&self.jinja, &facts);
            }
            "include_vars" => {
                self.include_vars(&args, &ctx, env, &site)?;
            }
            _ => {
                let mut handled = false;
                for (c, _) in &iterations {
                    handled |= self.module(&module, &args, c, env, &site)?;
                }
                if !handled && self.verbose() {
                    self.report.ignored_modules.push(crate::IgnoredModule {
                        module: module_full.clone(),
                        file: site.file.clone(),
                        line: site.line,
                    });
                }
            }
        }
        Ok(())
    }

    /// The loop of a task: `None` without a loop; an item `None` when the loop could not
    /// be resolved (the task is then read once with the loop variable undefined).
    fn loop_items(
        &mut self,
        m: &Map<String, Value>,
        ctx: &Ctx,
        site: &Site,
    ) -> Option<Vec<Option<Value>>> {
        let (key, raw) = [
            "loop",
            "with_items",
            "with_list",
            "with_dict",
            "with_flattened",
        ]
        .iter()
        .find_map(|k| m.get(*k).map(|v| (*k, v)))?;
        let o = self.jinja.eval(raw, ctx);
        if !o.unresolved.is_empty() {
            self.unresolved(site, None, key, &o.unresolved);
            return Some(vec![None]);
        }
        let items = match o.value {
            Value::Array(a) => {
                if key == "with_items" || key == "with_flattened" {
                    a.into_iter()
                        .flat_map(|v| match v {
                            Value::Array(inner) => inner,
                            other => vec![other],
                        })
                        .collect()
                } else {
                    a
                }
            }
            Value::Object(obj) if key == "with_dict" || key == "loop" => obj
                .into_iter()
                .map(|(k, v)| {
                    let mut e = Map::new();
                    e.insert("key".into(), Value::String(k));
                    e.insert("value".into(), v);
                    Value::Object(e)
                })
                .collect(),
            Value::Null => Vec::new(),
            other => vec![other],
        };
        Some(items.into_iter().map(Some).collect())
    }

    fn include_tasks(
        &mut self,
        args: &Map<String, Value>,
        ctx: &Ctx,
        env: &Env,
        site: &Site,
        when: &[String],
    ) -> Result<(), AnsibleError> {
        let raw = args
            .get("file")
            .or_else(|| args.get("_raw_params"))
            .cloned()
            .unwrap_or(Value::Null);
        let o = self.jinja.eval(&raw, ctx);
        let Some(f) = o.text() else {
            self.unresolved(site, None, &site.module, &o.unresolved);
            return Ok(());
        };
        let mut dirs = Vec::new();
        if let Some(d) = env.file.parent() {
            dirs.push(d.to_path_buf());
        }
        if let Some(r) = &env.role_dir {
            dirs.push(r.join("tasks"));
        }
        if let Some(pd) = &self.playbook_dir {
            dirs.push(pd.clone());
        }
        if !o.unresolved.is_empty() {
            // `install-{{ ansible_os_family }}.yml`: conditions are not evaluated, so
            // every file the name can select is read, each guarded by that choice.
            self.unresolved(site, None, &site.module, &o.unresolved);
            let pattern = crate::jinja::wildcard(&f, &o.unresolved);
            // `{{ ansible_os_family }}` alone: each file tells the value it stands for.
            let var = match o.unresolved.as_slice() {
                [one] => plain_variable(one),
                _ => None,
            };
            let rel_pattern = pattern.rsplit('/').next().unwrap_or(&pattern).to_string();
            for p in glob_files(&dirs, &pattern)? {
                let mut child = env.clone();
                child.ctx = ctx.clone();
                child.when = when.to_vec();
                let chosen = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                child.when.push(format!("{f} == {chosen}"));
                if let (Some(var), Some(value)) = (&var, wildcard_capture(&rel_pattern, &chosen)) {
                    let mut m = Map::new();
                    m.insert(var.clone(), Value::String(value));
                    child.ctx = child.ctx.with_values(m);
                    self.retry_pending_vars(&mut child)?;
                }
                self.tasks_file(&p, &child)?;
            }
            return Ok(());
        }
        let candidates: Vec<PathBuf> = dirs.iter().map(|d| d.join(&f)).collect();
        match candidates.into_iter().find(|p| p.is_file()) {
            Some(p) => {
                let mut child = env.clone();
                child.ctx = ctx.clone();
                child.when = when.to_vec();
                self.tasks_file(&p, &child)
            }
            None => {
                self.unresolved(site, None, &format!("{} file not found", site.module), &[f]);
                Ok(())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn include_role(
        &mut self,
        args: &Map<String, Value>,
        ctx: &Ctx,
        env: &Env,
        site: &Site,
        when: &[String],
        task_vars: &Map<String, Value>,
        item: Option<(String, Value)>,
    ) -> Result<(), AnsibleError> {
        let o = self
            .jinja
            .eval(args.get("name").unwrap_or(&Value::Null), ctx);
        if !o.unresolved.is_empty() {
            self.unresolved(site, None, &site.module, &o.unresolved);
            return Ok(());
        }
        let Some(name) = o.text() else { return Ok(()) };
        let tasks_from = args
            .get("tasks_from")
            .map(|v| self.jinja.eval(v, ctx))
            .and_then(|o| o.text())
            .unwrap_or_else(|| "main".to_string());
        let tasks_from = tasks_from
            .strip_suffix(".yml")
            .or_else(|| tasks_from.strip_suffix(".yaml"))
            .unwrap_or(&tasks_from)
            .to_string();
        match self.find_role(&name, env) {
            Some(dir) => {
                let mut parent = env.clone();
                parent.when = Vec::new();
                self.run_role(
                    &dir,
                    &name,
                    &tasks_from,
                    &parent,
                    task_vars,
                    when.to_vec(),
                    item,
                )
            }
            None => {
                self.unresolved(site, None, "role not found", &[name]);
                Ok(())
            }
        }
    }

    fn include_vars(
        &mut self,
        args: &Map<String, Value>,
        ctx: &Ctx,
        env: &mut Env,
        site: &Site,
    ) -> Result<(), AnsibleError> {
        let raw = args
            .get("file")
            .or_else(|| args.get("_raw_params"))
            .cloned()
            .unwrap_or(Value::Null);
        let o = self.jinja.eval(&raw, ctx);
        if !o.unresolved.is_empty() {
            self.unresolved(site, None, "include_vars", &o.unresolved);
            env.pending_vars.push(raw);
            return Ok(());
        }
        let Some(f) = o.text() else { return Ok(()) };
        match self.vars_file(&f, env) {
            Some(p) => {
                let m = load_vars_file(&p)?;
                env.ctx = env.ctx.with(&self.jinja, &m);
            }
            None => self.unresolved(site, None, "include_vars file not found", &[f]),
        }
        Ok(())
    }

    fn vars_file(&self, f: &str, env: &Env) -> Option<PathBuf> {
        let mut candidates = Vec::new();
        if let Some(r) = &env.role_dir {
            candidates.push(r.join("vars").join(f));
        }
        if let Some(d) = env.file.parent() {
            candidates.push(d.join(f));
        }
        candidates.into_iter().find(|p| p.is_file())
    }

    /// Retries pending `include_vars` with a context that binds more variables.
    fn retry_pending_vars(&mut self, env: &mut Env) -> Result<(), AnsibleError> {
        let pending = std::mem::take(&mut env.pending_vars);
        for raw in pending {
            let o = self.jinja.eval(&raw, &env.ctx);
            match o.text().filter(|_| o.unresolved.is_empty()) {
                Some(f) => {
                    if let Some(p) = self.vars_file(&f, env) {
                        let m = load_vars_file(&p)?;
                        env.ctx = env.ctx.with(&self.jinja, &m);
                    }
                }
                None => env.pending_vars.push(raw),
            }
        }
        Ok(())
    }
}

/// Files matching `pattern` (`*` matches any run of characters except `/`) relative to
/// the first folder where anything matches; sorted.
fn glob_files(dirs: &[PathBuf], pattern: &str) -> Result<Vec<PathBuf>, AnsibleError> {
    let (sub, name) = match pattern.rsplit_once('/') {
        Some((s, n)) => (Some(s), n),
        None => (None, pattern),
    };
    if sub.is_some_and(|s| s.contains('*')) {
        return Ok(Vec::new());
    }
    for d in dirs {
        let dir = match sub {
            Some(s) => d.join(s),
            None => d.clone(),
        };
        let found: Vec<PathBuf> = sorted_entries(&dir)?
            .into_iter()
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .is_some_and(|n| wildcard_match(name, &n.to_string_lossy()))
            })
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// The name in `{{ name }}`, when the expression is a plain variable.
fn plain_variable(expr: &str) -> Option<String> {
    let inner = expr.strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let ok = !inner.is_empty()
        && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !inner.starts_with(|c: char| c.is_ascii_digit());
    ok.then(|| inner.to_string())
}

/// What the single `*` of `pattern` matched in `text`.
fn wildcard_capture(pattern: &str, text: &str) -> Option<String> {
    let (pre, post) = pattern.split_once('*')?;
    if post.contains('*') {
        return None;
    }
    let rest = text.strip_prefix(pre)?.strip_suffix(post)?;
    (!rest.is_empty()).then(|| rest.to_string())
}

/// `*`-only wildcard matching.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first)
        || !text[first.len()..].ends_with(last)
        || text.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn origin_key(p: &sbom_model::Package) -> (String, u32) {
    match &p.origin {
        sbom_model::Origin::Declared { file, line, .. } => (file.clone(), line.unwrap_or(0)),
        sbom_model::Origin::Observed => (String::new(), 0),
    }
}

/// The module of a task and its raw arguments.
fn module_of(m: &Map<String, Value>) -> Option<(String, Value)> {
    for key in ["action", "local_action"] {
        if let Some(a) = m.get(key) {
            return match a {
                Value::String(s) => {
                    let s = s.trim();
                    let (module, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
                    Some((module.to_string(), Value::String(rest.to_string())))
                }
                Value::Object(o) => {
                    let module = o.get("module").and_then(scalar_text)?;
                    let mut args = o.clone();
                    args.remove("module");
                    Some((module, Value::Object(args)))
                }
                _ => None,
            };
        }
    }
    m.iter()
        .find(|(k, _)| !KEYWORDS.contains(&k.as_str()) && !k.starts_with("with_"))
        .map(|(k, v)| (k.clone(), v.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_captures_and_plain_variables() {
        assert_eq!(
            wildcard_capture("install-*-family.yml", "install-Debian-family.yml").as_deref(),
            Some("Debian")
        );
        assert_eq!(wildcard_capture("a*b*c", "axbyc"), None);
        assert_eq!(
            plain_variable("{{ ansible_os_family }}").as_deref(),
            Some("ansible_os_family")
        );
        assert_eq!(plain_variable("{{ x | lower }}"), None);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match(
            "install-*-family.yml",
            "install-Debian-family.yml"
        ));
        assert!(!wildcard_match("install-*-family.yml", "install.yml"));
        assert!(wildcard_match("*.yml", "a.yml"));
        assert!(!wildcard_match("a*a", "a"));
    }

    #[test]
    fn module_names_are_normalised() {
        assert_eq!(short_module("ansible.builtin.apt"), "apt");
        assert_eq!(
            short_module("community.docker.docker_container"),
            "docker_container"
        );
        assert_eq!(short_module("pip"), "pip");
    }

    #[test]
    fn free_form_arguments() {
        let m = free_form("name=curl state=present");
        assert_eq!(m["name"], "curl");
        assert_eq!(m["state"], "present");
        let m = free_form("tasks/{{ x }}.yml");
        assert_eq!(m["_raw_params"], "tasks/{{ x }}.yml");
    }

    #[test]
    fn module_is_first_non_keyword_key() {
        let v: Value = serde_json::json!({"name": "x", "become": true, "ansible.builtin.apt": {"name": "curl"}, "when": "a"});
        let (m, _) = module_of(v.as_object().expect("map")).expect("module");
        assert_eq!(m, "ansible.builtin.apt");
        let v: Value = serde_json::json!({"action": "apt name=curl"});
        let (m, a) = module_of(v.as_object().expect("map")).expect("module");
        assert_eq!((m.as_str(), a), ("apt", Value::String("name=curl".into())));
    }
}
