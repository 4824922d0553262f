//! The requests: dispatch, and the answers to go to definition, references, hover,
//! completion, code actions and rename.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lsp_server::{ErrorCode, Request, Response};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, Rename, Request as _, Shutdown, WorkspaceSymbolRequest,
};
use lsp_types::{
    CodeActionParams, CompletionList, CompletionParams, CompletionResponse, DocumentChanges,
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind,
    OneOf, OptionalVersionedTextDocumentIdentifier, PrepareRenameResponse, ReferenceParams,
    RenameParams, SymbolInformation, TextDocumentEdit, TextDocumentPositionParams, TextEdit, Uri,
    WorkspaceEdit, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};

use super::checks::Checked;
use super::{Answer, Failure, PANIC_METHOD, Server, json, panic_message, params};
use crate::Analysis;
use crate::lsp::actions;
use crate::lsp::analysis::{self, ParseCache};
use crate::lsp::complete;
use crate::lsp::convert;
use crate::lsp::navigate;
use crate::lsp::rename;
use crate::lsp::symbols;
use crate::lsp::transport::{Transport, log};
use crate::source::FileId;

impl Server {
    // ----- requests -----

    pub(super) fn request(&mut self, t: &Transport, req: Request) {
        let id = req.id.clone();
        let method = req.method.clone();
        if self.shutdown {
            t.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                format!("`{method}` after `shutdown`"),
            ));
            return;
        }
        if method == Shutdown::METHOD {
            self.shutdown = true;
            self.stopping = true;
            t.send(Response::new_ok(id, ()));
            return;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| self.answer(&req)));
        let response = match outcome {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(f)) => Response::new_err(id, f.code as i32, f.message),
            Err(payload) => {
                let message = panic_message(&*payload);
                log(&format!("panic while answering `{method}`: {message}"));
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("nimbus-lint failed while answering `{method}`: {message}"),
                )
            }
        };
        t.send(response);
    }

    fn answer(&self, req: &Request) -> Answer {
        match req.method.as_str() {
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = params(req)?;
                json(self.definition(&p.text_document_position_params))
            }
            References::METHOD => {
                let p: ReferenceParams = params(req)?;
                json(self.references(&p))
            }
            HoverRequest::METHOD => {
                let p: HoverParams = params(req)?;
                json(self.hover(&p.text_document_position_params))
            }
            CodeActionRequest::METHOD => {
                let p: CodeActionParams = params(req)?;
                json(self.code_actions(&p))
            }
            PrepareRenameRequest::METHOD => {
                let p: TextDocumentPositionParams = params(req)?;
                json(self.prepare_rename(&p)?)
            }
            Rename::METHOD => {
                let p: RenameParams = params(req)?;
                json(self.rename(&p)?)
            }
            DocumentSymbolRequest::METHOD => {
                let p: DocumentSymbolParams = params(req)?;
                json(self.document_symbols(&p.text_document.uri))
            }
            WorkspaceSymbolRequest::METHOD => {
                let p: WorkspaceSymbolParams = params(req)?;
                json(self.workspace_symbols(&p.query))
            }
            Completion::METHOD => {
                let p: CompletionParams = params(req)?;
                json(self.completion(&p.text_document_position))
            }
            "initialize" => Err(Failure {
                code: ErrorCode::InvalidRequest,
                message: "the server is already initialized".to_owned(),
            }),
            PANIC_METHOD if self.test_panic => panic!("the test asked for a panic"),
            _ => Err(Failure {
                code: ErrorCode::MethodNotFound,
                message: format!("unknown method `{}`", req.method),
            }),
        }
    }

    /// The checked workspace holding a document, and the file's id in it.
    fn document(&self, uri: &Uri) -> Option<(&Checked, &Analysis, FileId)> {
        let path = convert::path_of(uri)?;
        let root = match self.docs.get(&path) {
            Some(d) => d.root.clone()?,
            None => self.root_for(&path)?,
        };
        let checked = self.workspaces.get(&root)?.analysis.as_ref()?;
        let a = &checked.analysis;
        let id = a.ws.sources.find(&path)?;
        Some((checked, a, id))
    }

    /// The checked workspace holding a document, the file's id in it, and the byte offset of
    /// a position.
    fn locate(
        &self,
        at: &lsp_types::TextDocumentPositionParams,
    ) -> Option<(&Checked, &Analysis, FileId, usize)> {
        let (ws, a, id) = self.document(&at.text_document.uri)?;
        let file = a.ws.sources.get(id);
        Some((ws, a, id, convert::offset(file, at.position, self.enc)))
    }

    fn code_actions(&self, p: &CodeActionParams) -> Option<lsp_types::CodeActionResponse> {
        let uri = &p.text_document.uri;
        let (_, a, file) = self.document(uri)?;
        let asked = actions::Asked {
            range: p.range,
            diagnostics: &p.context.diagnostics,
            only: p.context.only.as_deref(),
        };
        // The edits are for the text the document had when checked: its version now, as
        // requests are answered after the pending checks.
        let version = (convert::path_of(uri))
            .and_then(|path| self.docs.get(&path))
            .map(|d| d.version_of(uri));
        let edit_of = |edits| self.workspace_edit(vec![(uri.clone(), version, edits)]);
        let found = actions::actions(a, file, &asked, self.enc, &edit_of, &|path| {
            self.uri_for(path)
        });
        Some(found)
    }

    /// The id at `offset` of `file`: from the index, else read from the text.
    fn occurrence(
        &self,
        ws: &Checked,
        a: &Analysis,
        file: FileId,
        offset: usize,
    ) -> Option<navigate::Occurrence> {
        // The index is the whole truth for a file that parses: reading the text again (the
        // whole file, for a hover on a key) is for a broken one only.
        let index = ws.index();
        index.at(file, offset).or_else(|| {
            index
                .is_broken(file)
                .then(|| navigate::textual(a, file, offset))
                .flatten()
        })
    }

    fn location(&self, a: &Analysis, span: crate::source::Span) -> Option<Location> {
        Some(Location {
            uri: self.uri_for(&a.ws.sources.get(span.file).path)?,
            range: convert::span_range(&a.ws, span, self.enc),
        })
    }

    fn definition(
        &self,
        at: &lsp_types::TextDocumentPositionParams,
    ) -> Option<GotoDefinitionResponse> {
        let (ws, a, file, offset) = self.locate(at)?;
        let header = match self.occurrence(ws, a, file, offset) {
            Some(occ) => navigate::def(a, occ.target).header,
            // An entity this broken file defines itself: its header, read from the text.
            None if ws.index().is_broken(file) => navigate::textual_definition(a, file, offset)?,
            None => return None,
        };
        Some(GotoDefinitionResponse::Scalar(self.location(a, header)?))
    }

    fn references(&self, p: &ReferenceParams) -> Option<Vec<Location>> {
        let (ws, a, file, offset) = self.locate(&p.text_document_position)?;
        let occ = self.occurrence(ws, a, file, offset)?;
        let index = ws.index();
        let mut out = Vec::new();
        if p.context.include_declaration {
            out.extend(self.location(a, navigate::def(a, occ.target).header));
        }
        for span in index.references(occ.target) {
            out.extend(self.location(a, navigate::unquoted(a, span)));
        }
        Some(out)
    }

    fn hover(&self, at: &lsp_types::TextDocumentPositionParams) -> Option<Hover> {
        let (ws, a, file, offset) = self.locate(at)?;
        let occ = self.occurrence(ws, a, file, offset)?;
        let span = match occ.role {
            navigate::Role::Reference => navigate::unquoted(a, occ.span),
            navigate::Role::Definition => occ.span,
        };
        let text = navigate::hover(a, occ.target, ws.analysis.secret_mask());
        let contents = if self.markdown {
            MarkupContent {
                kind: MarkupKind::Markdown,
                value: text,
            }
        } else {
            MarkupContent {
                kind: MarkupKind::PlainText,
                value: navigate::plain(&text),
            }
        };
        Some(Hover {
            contents: HoverContents::Markup(contents),
            range: Some(convert::span_range(&a.ws, span, self.enc)),
        })
    }

    fn completion(&self, at: &lsp_types::TextDocumentPositionParams) -> Option<CompletionResponse> {
        let (checked, a, file, offset) = self.locate(at)?;
        let (items, incomplete) = complete::complete(
            a,
            a.ws.sources.get(file),
            offset,
            self.enc,
            checked.analysis.secret_mask(),
        );
        (!items.is_empty()).then_some(CompletionResponse::List(CompletionList {
            is_incomplete: incomplete,
            items,
        }))
    }

    /// The id under the cursor, for the editor to show as the rename's starting text; an
    /// error when no rename can be made now (the editor shows why), nothing off an id.
    fn prepare_rename(
        &self,
        at: &TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>, Failure> {
        let Some((ws, a, file, offset)) = self.locate(at) else {
            return Ok(None);
        };
        let Some(occ) = self.occurrence(ws, a, file, offset) else {
            // An id this broken file defines is not known until it parses: say so.
            return match rename::broken(a).filter(|_| ws.index().is_broken(file)) {
                Some(why) => Err(refused(why)),
                None => Ok(None),
            };
        };
        if let Some(why) = rename::blocked(a, occ.target) {
            return Err(refused(why));
        }
        let span = rename::id_at(a, &occ, offset);
        let id = &navigate::def(a, occ.target).id;
        // A table's key spelled with escapes: no edit of it is certain.
        if occ.role == navigate::Role::Definition
            && a.ws.sources.get(file).text.get(span.range()) != Some(id.as_str())
        {
            return Err(refused(format!(
                "`{id}` is written with escapes here: rename it by hand"
            )));
        }
        Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
            range: convert::span_range(&a.ws, span, self.enc),
            placeholder: navigate::def(a, occ.target).id.to_string(),
        }))
    }

    /// The edits that rename the entity under the cursor everywhere; an error saying why when
    /// it cannot be made. The workspace is read again first, from disk and the editor's texts,
    /// so that a file changed, created or deleted behind the server (a client that watches no
    /// files) is edited where its text now is; the edits are then tried on a copy of it (see
    /// [`rename`]).
    fn rename(&self, p: &RenameParams) -> Result<WorkspaceEdit, Failure> {
        let here = &p.text_document_position;
        let no_id =
            || refused("no entity's id here: rename a table's id, or a reference to it".to_owned());
        let Some((_, a, file, _)) = self.locate(here) else {
            return Err(self.outside(&here.text_document.uri).unwrap_or_else(no_id));
        };
        let root = a.ws.root.clone();
        let naming = crate::load::Naming::at(&root);
        let mut overlays = self.overlays(&root);
        let now = analysis::check(
            &root,
            &naming,
            &overlays,
            None,
            true,
            &mut ParseCache::default(),
        );
        let Some(file) = now.ws.sources.find(&a.ws.sources.get(file).path) else {
            return Err(refused(
                "this file is no longer part of the workspace (deleted, or now hidden, ignored, excluded or over the size limit): nothing in it is renamed".to_owned(),
            ));
        };
        let offset = convert::offset(now.ws.sources.get(file), here.position, self.enc);
        let index = navigate::Index::new(&now);
        let Some(target) = index.at(file, offset).map(|o| o.target) else {
            return Err(rename::broken(&now).map_or_else(no_id, refused));
        };
        let new = p.new_name.as_str();
        if let Some(why) = rename::refusal(&now, target, new) {
            return Err(refused(why));
        }
        if navigate::def(&now, target).id.as_str() == new {
            return Ok(WorkspaceEdit::default());
        }
        let edits = rename::edits(&now, &index, target, new);
        if let Some(why) = rename::unreached(&now, target, &edits) {
            return Err(refused(why));
        }
        for (path, text) in rename::apply(&now, &edits) {
            overlays.insert(path, text.into_bytes());
        }
        let after = analysis::check(
            &root,
            &naming,
            &overlays,
            Some(&now),
            false,
            &mut ParseCache::default(),
        );
        rename::verify((&now, &index), target, new, &after).map_err(refused)?;
        // The edits come in file order: one entry per file, with the version of an open
        // document.
        let mut changes: Vec<(Uri, Option<i32>, Vec<TextEdit>)> = Vec::new();
        for e in &edits {
            let file = now.ws.sources.get(e.span.file);
            let Some(uri) = self.uri_for(&file.path) else {
                return Err(refused(format!(
                    "{} has no address the editor can open: rename by hand",
                    file.display()
                )));
            };
            let edit = TextEdit {
                range: convert::span_range(&now.ws, e.span, self.enc),
                new_text: e.text.clone(),
            };
            match changes.last_mut() {
                Some((last, _, list)) if *last == uri => list.push(edit),
                _ => {
                    let version = self.docs.get(&file.path).map(|d| d.current.version);
                    changes.push((uri, version, vec![edit]));
                }
            }
        }
        Ok(self.workspace_edit(changes))
    }

    /// Why nothing in the file at `uri` can be renamed when it is in no checked workspace, or
    /// its workspace leaves it out; `None` while its workspace is not checked yet.
    fn outside(&self, uri: &Uri) -> Option<Failure> {
        let path = convert::path_of(uri)?;
        let Some(root) = self
            .docs
            .get(&path)
            .map_or_else(|| self.root_for(&path), |d| d.root.clone())
        else {
            return Some(refused(
                "this file is in no nimbus-lint workspace (no nimbus.toml at or above it): nothing in it is renamed".to_owned(),
            ));
        };
        self.workspaces.get(&root)?.analysis.as_ref()?;
        Some(refused(
            "this file is not part of its workspace (hidden, ignored, excluded or over the size limit): nothing in it is renamed".to_owned(),
        ))
    }

    /// A workspace edit of `changes` (each file's address, open document's version, edits):
    /// as `documentChanges`, versioned, for a client that takes them, else as `changes`. Also
    /// the edit of a code action.
    fn workspace_edit(&self, changes: Vec<(Uri, Option<i32>, Vec<TextEdit>)>) -> WorkspaceEdit {
        if self.client_takes_document_changes {
            let edits = (changes.into_iter())
                .map(|(uri, version, edits)| TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                })
                .collect();
            WorkspaceEdit {
                document_changes: Some(DocumentChanges::Edits(edits)),
                ..WorkspaceEdit::default()
            }
        } else {
            WorkspaceEdit {
                changes: Some(changes.into_iter().map(|(u, _, e)| (u, e)).collect()),
                ..WorkspaceEdit::default()
            }
        }
    }
}

impl Server {
    /// The entities a document defines, as its outline.
    #[allow(deprecated)] // `DocumentSymbol::deprecated`: a field the type still has.
    fn document_symbols(&self, uri: &Uri) -> Option<DocumentSymbolResponse> {
        let (checked, a, file) = self.document(uri)?;
        let broken = checked.index().is_broken(file);
        let symbols = (symbols::outline(a, file, broken).into_iter())
            .map(|s| DocumentSymbol {
                name: s.name,
                detail: Some(s.detail),
                kind: symbols::kind(s.kind),
                tags: None,
                deprecated: None,
                range: convert::span_range(&a.ws, s.range, self.enc),
                selection_range: convert::span_range(&a.ws, s.selection, self.enc),
                children: None,
            })
            .collect();
        Some(DocumentSymbolResponse::Nested(symbols))
    }

    /// The entities of every checked workspace whose id or name holds `query`: those whose id
    /// starts with it first, then by id, whatever their workspace.
    #[allow(deprecated)] // `SymbolInformation::deprecated`: a field the type still has.
    fn workspace_symbols(&self, query: &str) -> WorkspaceSymbolResponse {
        let mut all: Vec<(&Analysis, symbols::Found)> = Vec::new();
        for checked in self.workspaces.values().filter_map(|w| w.analysis.as_ref()) {
            let a = &checked.analysis;
            all.extend(
                symbols::search(a, query, SYMBOLS)
                    .into_iter()
                    .map(|f| (a, f)),
            );
        }
        // Workspaces in root order, each sorted: a stable sort keeps that order for equals.
        all.sort_by(|(a, x), (b, y)| {
            let key = |a: &Analysis, f: &symbols::Found| {
                (
                    f.inside,
                    navigate::def(a, f.target).id.to_string(),
                    f.target.kind,
                )
            };
            key(a, x).cmp(&key(b, y))
        });
        all.truncate(SYMBOLS);
        let out = (all.into_iter())
            .filter_map(|(a, f)| {
                let d = navigate::def(a, f.target);
                Some(SymbolInformation {
                    name: d.id.to_string(),
                    kind: symbols::kind(f.target.kind),
                    tags: None,
                    deprecated: None,
                    location: self.location(a, d.header)?,
                    container_name: Some(f.container),
                })
            })
            .collect();
        WorkspaceSymbolResponse::Flat(out)
    }
}

/// The most symbols one workspace search answers with.
const SYMBOLS: usize = 500;

/// A request refused for `why`, which the editor shows.
fn refused(why: String) -> Failure {
    Failure {
        code: ErrorCode::RequestFailed,
        message: why,
    }
}
