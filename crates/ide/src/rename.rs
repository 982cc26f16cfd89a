//! Rename: every place that names a declaration (locals, functions, methods, fields,
//! classes, enums, variants, errors, units, dependencies), across files and units, and
//! the refusal of a rename that would change what the program means. A rename is checked
//! by analysing the renamed program in a scratch database: it must not add errors, and
//! every name spelled like the new one must still refer to what it referred to before.

use std::collections::HashMap;
use std::sync::Arc;

use pluto_db::modules::{module_graph, parse};
use pluto_db::{Db, FilePath, MemoryLoader, Program, RootDatabase, Severity, SourceFile};
use pluto_hir::{FnLoc, Semantics, Target};
use pluto_syntax::{SyntaxKind, SyntaxToken, TextRange, TextSize};

use crate::navigation::{NavTarget, target_at, target_location, targets_of, token_at};

/// The edits of one file: each range replaced by its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdits {
    pub file: SourceFile,
    pub edits: Vec<(TextRange, String)>,
}

/// The range of the name at `offset` if it can be renamed, or why not.
pub fn prepare_rename(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Result<TextRange, String> {
    let (token, _, _) = renamable_at(db, program, file, offset)?;
    Ok(token.text_range())
}

/// The edits that rename what is at `offset` to `new_name`, or why it cannot be done.
pub fn rename(
    db: &dyn Db,
    program: Program,
    file: SourceFile,
    offset: TextSize,
    new_name: &str,
) -> Result<Vec<FileEdits>, String> {
    let (_, target, declaration) = renamable_at(db, program, file, offset)?;
    let old = declaration.file.text(db)[declaration.range].to_string();
    check_identifier(new_name)?;
    if new_name == old {
        return Ok(Vec::new());
    }
    let names = Names::new(&old, new_name);
    let targets = family(db, program, &target)?;
    let edits = edits_for(db, program, &targets, &declaration, &names);
    check_meaning(db, program, &edits, &target.0, &declaration, &names)?;
    Ok(edits
        .into_iter()
        .map(|(file, edits)| FileEdits { file, edits: edits.into_iter().map(|e| (e.range, e.text)).collect() })
        .collect())
}

/// The name token at `offset`, what it names and where that is declared, when it is
/// something a rename may change.
fn renamable_at(
    db: &dyn Db,
    program: Program,
    file: SourceFile,
    offset: TextSize,
) -> Result<(SyntaxToken, (Target, Option<FnLoc>), NavTarget), String> {
    let token = token_at(db, file, offset)
        .filter(|t| t.kind() == SyntaxKind::IDENT)
        .ok_or_else(|| "there is no name here to rename".to_string())?;
    let (target, in_fn) = target_at(db, program, file, offset)
        .ok_or_else(|| format!("`{}` does not refer to a declaration", token.text()))?;
    if let Target::Module(_) = target {
        return Err(format!("`{}` is a module: rename its file instead", token.text()));
    }
    let declaration = target_location(db, program, &target, in_fn)
        .ok_or_else(|| format!("the declaration of `{}` was not found", token.text()))?;
    if declaration.file.path(db).is_std() {
        return Err(format!("`{}` is declared in the standard library", token.text()));
    }
    Ok((token, (target, in_fn), declaration))
}

/// What must be renamed together: a method with those it overrides or implements and
/// those that override or implement it; anything else alone.
fn family(
    db: &dyn Db,
    program: Program,
    (target, in_fn): &(Target, Option<FnLoc>),
) -> Result<Vec<(Target, Option<FnLoc>)>, String> {
    let Target::Fn(f) = target else { return Ok(vec![(target.clone(), *in_fn)]) };
    let family = Semantics::new(db, program).method_family(*f);
    if let Some(std) = family.iter().find(|g| g.file().path(db).is_std()) {
        return Err(format!("`{}` implements `{}` from the standard library", f.display(db), std.display(db)));
    }
    Ok(family.into_iter().map(|g| (Target::Fn(g), None)).collect())
}

fn check_identifier(name: &str) -> Result<(), String> {
    let lexed = pluto_syntax::lex(name);
    if lexed.len() == 1 && lexed.kinds[0] == SyntaxKind::IDENT && lexed.errors.is_empty() {
        return Ok(());
    }
    if lexed.len() == 1 && lexed.kinds[0].is_keyword() {
        return Err(format!("`{name}` is a keyword"));
    }
    Err(format!("`{name}` is not a valid name"))
}

/// The old and new name, and their forms as an instance keyword (`Daemon` is written
/// `daemon OrderWorker`).
struct Names {
    old: String,
    new: String,
    old_keyword: String,
    new_keyword: String,
}

impl Names {
    fn new(old: &str, new: &str) -> Names {
        Names {
            old: old.into(),
            new: new.into(),
            old_keyword: pluto_hir::template_keyword(old),
            new_keyword: pluto_hir::template_keyword(new),
        }
    }

    /// The new spelling of a token spelled `text`, if it is a spelling of the old name.
    fn renamed(&self, text: &str) -> Option<&str> {
        if text == self.old {
            Some(&self.new)
        } else if text == self.old_keyword {
            Some(&self.new_keyword)
        } else {
            None
        }
    }

    fn is_new(&self, text: &str) -> bool {
        text == self.new || text == self.new_keyword
    }
}

/// One replacement, and where the new name lies in its text.
#[derive(Clone, Debug)]
struct Edit {
    range: TextRange,
    text: String,
    name: std::ops::Range<usize>,
}

/// The edits of every file, sorted by position.
type Edits = Vec<(SourceFile, Vec<Edit>)>;

/// Every place that names `target`, with its replacement text.
fn edits_for(
    db: &dyn Db,
    program: Program,
    targets: &[(Target, Option<FnLoc>)],
    declaration: &NavTarget,
    names: &Names,
) -> Edits {
    let sema = Semantics::new(db, program);
    let local = matches!(targets, [(Target::Local(_), _)]);
    let files = if local { vec![declaration.file] } else { user_files(db, program) };
    let mut out: Edits = Vec::new();
    for file in files {
        let root = parse(db, file).syntax();
        let mut edits = Vec::new();
        for token in root.descendants_with_tokens().filter_map(|e| e.into_token()) {
            let Some(new) = (token.kind() == SyntaxKind::IDENT).then(|| names.renamed(token.text())).flatten() else {
                continue;
            };
            let is_declaration = file == declaration.file && token.text_range() == declaration.range;
            let names_target = || {
                targets_of(&sema, file, &token)
                    .iter()
                    .any(|(t, f)| targets.iter().any(|(target, in_fn)| t == target && (!local || f == in_fn)))
            };
            if !is_declaration && !names_target() {
                continue;
            }
            edits.push(edit_at(&token, new, local));
        }
        if !edits.is_empty() {
            out.push((file, edits));
        }
    }
    out
}

/// The files of `program` a user can edit (not the standard library).
fn user_files(db: &dyn Db, program: Program) -> Vec<SourceFile> {
    module_graph(db, program).modules.iter().map(|m| m.file).filter(|f| !f.path(db).is_std()).collect()
}

/// The replacement of `token` by `new`. A shorthand field (`Point { x }`, a pattern's
/// `{ reason }`) names a field and a local at once: it is spelled out so that only the
/// renamed one changes.
fn edit_at(token: &SyntaxToken, new: &str, local: bool) -> Edit {
    let range = token.text_range();
    let old = token.text();
    let shorthand = token.parent().filter(|p| p.kind() == SyntaxKind::NAME_REF).and_then(|name_ref| {
        let field = name_ref.parent()?;
        let has_value = field.children().any(|c| c.text_range().start() > name_ref.text_range().start());
        (matches!(field.kind(), SyntaxKind::FIELD_INIT | SyntaxKind::RECORD_PAT_FIELD) && !has_value).then_some(())
    });
    let (text, name_at) = match (shorthand, local) {
        (Some(()), true) => (format!("{old}: {new}"), old.len() + 2),
        (Some(()), false) => (format!("{new}: {old}"), 0),
        (None, _) => (new.to_string(), 0),
    };
    Edit { range, text, name: name_at..name_at + new.len() }
}

/// Refuses `edits` when the renamed program has errors the program did not have, or a
/// name spelled like the new one that refers to something else than before.
fn check_meaning(
    db: &dyn Db,
    program: Program,
    edits: &Edits,
    target: &Target,
    declaration: &NavTarget,
    names: &Names,
) -> Result<(), String> {
    let files = user_files(db, program);
    let mut texts = HashMap::new();
    for file in &files {
        let Some(path) = file.path(db).as_disk() else { continue };
        let text = file.text(db);
        let renamed = match edits.iter().find(|(f, _)| f == file) {
            Some((_, file_edits)) => apply(text, file_edits),
            None => text.clone(),
        };
        texts.insert(path.to_path_buf(), renamed);
    }
    let scratch = RootDatabase::new(Arc::new(MemoryLoader { files: texts }));
    let entry = scratch.program(program.entry(db).path(db));
    let clash = |what: String| Err(format!("renaming `{}` to `{}` would {what}", names.old, names.new));

    let mut before: HashMap<&str, usize> = HashMap::new();
    for d in pluto_hir::program_diagnostics(db, program).iter().filter(|d| d.severity == Severity::Error) {
        *before.entry(d.code).or_default() += 1;
    }
    let after = pluto_hir::program_diagnostics(&scratch, entry);
    for d in after.iter().filter(|d| d.severity == Severity::Error) {
        let count = before.entry(d.code).or_default();
        if *count == 0 {
            return clash(format!(
                "cause error {}: {} ({})",
                d.code,
                d.message,
                position(&scratch, d.file, d.range.start())
            ));
        }
        *count -= 1;
    }

    for file in &files {
        let path = file.path(db);
        let new_file = scratch.file(path);
        let file_edits: &[Edit] = edits.iter().find(|(f, _)| f == file).map_or(&[], |(_, e)| e);
        let root = parse(&scratch, new_file).syntax();
        for token in root.descendants_with_tokens().filter_map(|e| e.into_token()) {
            if token.kind() != SyntaxKind::IDENT || !names.is_new(token.text()) {
                continue;
            }
            let at = token.text_range().start();
            let expected = match original_offset(file_edits, at) {
                // A renamed local is what a spelled-out shorthand now names; anything
                // else still names what it named (a method its own override).
                Original::Renamed(_) if matches!(target, Target::Local(_)) => {
                    Some(moved(db, edits, declaration.clone()))
                }
                Original::Renamed(old_at) => {
                    crate::goto_definition(db, program, *file, old_at).map(|nav| moved(db, edits, nav))
                }
                Original::Unchanged(old_at) => {
                    crate::goto_definition(db, program, *file, old_at).map(|nav| moved(db, edits, nav))
                }
            };
            let found = crate::goto_definition(&scratch, entry, new_file, at)
                .map(|nav| (nav.file.path(&scratch).clone(), nav.range));
            if found != expected {
                return clash(format!(
                    "make `{}` at {} refer to another declaration",
                    token.text(),
                    position(&scratch, new_file, at)
                ));
            }
        }
    }
    Ok(())
}

/// Where an offset of the renamed text was before the edits.
enum Original {
    /// Inside the text written by the edit of the name that started here.
    Renamed(TextSize),
    Unchanged(TextSize),
}

fn original_offset(edits: &[Edit], at: TextSize) -> Original {
    let mut shift: i64 = 0;
    for edit in edits {
        let start = i64::from(u32::from(edit.range.start())) + shift;
        let end = start + edit.text.len() as i64;
        let at = i64::from(u32::from(at));
        if at < start {
            break;
        }
        if at < end {
            return Original::Renamed(edit.range.start());
        }
        shift += edit.text.len() as i64 - i64::from(u32::from(edit.range.len()));
    }
    Original::Unchanged(TextSize::from((i64::from(u32::from(at)) - shift) as u32))
}

/// `offset` of `file` after `edits` (an offset not inside an edited range).
fn moved_offset(edits: &[Edit], offset: TextSize) -> TextSize {
    let shift: i64 = edits
        .iter()
        .take_while(|e| e.range.start() < offset)
        .map(|e| e.text.len() as i64 - i64::from(u32::from(e.range.len())))
        .sum();
    TextSize::from((i64::from(u32::from(offset)) + shift) as u32)
}

/// A declaration found before the rename, where it is after it.
fn moved(db: &dyn Db, edits: &Edits, nav: NavTarget) -> (FilePath, TextRange) {
    let file_edits: &[Edit] = edits.iter().find(|(f, _)| *f == nav.file).map_or(&[], |(_, e)| e);
    match file_edits.iter().find(|e| e.range == nav.range) {
        Some(edit) => (nav.file.path(db).clone(), new_name_range(file_edits, edit)),
        None => {
            let start = moved_offset(file_edits, nav.range.start());
            (nav.file.path(db).clone(), TextRange::at(start, nav.range.len()))
        }
    }
}

/// Where the new name written by `edit` lies in the renamed text.
fn new_name_range(file_edits: &[Edit], edit: &Edit) -> TextRange {
    let start = moved_offset(file_edits, edit.range.start()) + TextSize::from(edit.name.start as u32);
    TextRange::at(start, TextSize::from(edit.name.len() as u32))
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for edit in edits {
        out.push_str(&text[last..usize::from(edit.range.start())]);
        out.push_str(&edit.text);
        last = usize::from(edit.range.end());
    }
    out.push_str(&text[last..]);
    out
}

fn position(db: &dyn Db, file: SourceFile, offset: TextSize) -> String {
    let index = pluto_db::modules::line_index(db, file);
    let (line, col) = index.line_col(file.text(db), offset);
    format!("{}:{}:{}", file.path(db), line + 1, col + 1)
}
