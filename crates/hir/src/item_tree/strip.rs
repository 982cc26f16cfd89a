//! Copies of declarations without trivia (whitespace, comments), which is what semantic
//! queries read, and the mapping of offsets between the stripped copies and the text.

use std::collections::HashMap;

use pluto_syntax::{GreenNode, SyntaxKind, SyntaxNode, TextRange, TextSize};
use rowan::{GreenNodeData, GreenToken, NodeOrToken};

use crate::PlutoLang;

/// A copy of a green tree without whitespace and comments.
pub fn strip_trivia(node: &GreenNodeData) -> GreenNode {
    pluto_syntax::ensure_stack(|| strip_node(node, false))
}

/// A copy of a declaration without trivia and with every block emptied: what the item
/// tree reads (signatures), at a fraction of the cost of copying the bodies. Ranges in
/// it are those of `strip_trivia` up to the first block.
pub(super) fn strip_signatures(node: &GreenNodeData) -> GreenNode {
    pluto_syntax::ensure_stack(|| strip_node(node, true))
}

fn strip_node(node: &GreenNodeData, empty_blocks: bool) -> GreenNode {
    if empty_blocks && kind_of(node.kind()) == SyntaxKind::BLOCK {
        return GreenNode::new(node.kind(), std::iter::empty());
    }
    let children = node.children().filter_map(|child| match child {
        NodeOrToken::Node(n) => Some(NodeOrToken::Node(pluto_syntax::ensure_stack(|| strip_node(n, empty_blocks)))),
        NodeOrToken::Token(t) => (!kind_of(t.kind()).is_trivia()).then(|| NodeOrToken::Token(t.to_owned())),
    });
    GreenNode::new(node.kind(), children.collect::<Vec<_>>())
}

/// Maps a file offset inside `node` (a declaration of the real tree) to the node's
/// stripped coordinates: the length of the significant text before it.
pub fn strip_offset(node: &SyntaxNode, offset: TextSize) -> TextSize {
    let mut seen = TextSize::from(0);
    for token in node.descendants_with_tokens().filter_map(|e| e.into_token()) {
        let range = token.text_range();
        if range.start() >= offset {
            break;
        }
        if !token.kind().is_trivia() {
            seen += if range.end() <= offset { range.len() } else { offset - range.start() };
        }
    }
    seen
}

/// Maps an offset in the stripped coordinates of `node` (a declaration of the real
/// tree) back to an offset in the file. A range end maps to the end of the token it
/// closes, a start to the start of the token it opens.
pub fn unstrip(node: &SyntaxNode, offset: TextSize, is_end: bool) -> TextSize {
    let mut seen = TextSize::from(0);
    let mut last_end = node.text_range().start();
    for token in node.descendants_with_tokens().filter_map(|e| e.into_token()) {
        if token.kind().is_trivia() {
            continue;
        }
        let len = token.text_range().len();
        let inside = if is_end { offset <= seen + len && offset > seen } else { offset < seen + len };
        if inside || (offset == seen && !is_end) {
            return token.text_range().start() + (offset - seen);
        }
        seen += len;
        last_end = token.text_range().end();
    }
    last_end
}

/// The significant tokens of a declaration node, by their start in stripped and in file
/// coordinates, to map many offsets (each by a binary search) as `unstrip` maps one
/// (which walks the tokens up to the offset: cheaper for a single offset).
pub struct Unstrip {
    /// Stripped start, file start and length of each significant token, in order.
    tokens: Vec<(TextSize, TextSize, TextSize)>,
    /// Where the node's last significant token ends (the node's start without one).
    last_end: TextSize,
}

impl Unstrip {
    pub fn new(node: &SyntaxNode) -> Unstrip {
        let mut seen = TextSize::from(0);
        let mut last_end = node.text_range().start();
        let mut tokens = Vec::new();
        for token in node.descendants_with_tokens().filter_map(|e| e.into_token()) {
            if token.kind().is_trivia() {
                continue;
            }
            let range = token.text_range();
            tokens.push((seen, range.start(), range.len()));
            seen += range.len();
            last_end = range.end();
        }
        Unstrip { tokens, last_end }
    }

    /// `offset` (stripped) in the file: inside the token that holds it (for a range's
    /// end, the token it closes; for a start, the token it opens).
    pub fn offset(&self, offset: TextSize, is_end: bool) -> TextSize {
        let found = if is_end {
            let i = self.tokens.partition_point(|&(seen, _, len)| seen + len < offset);
            self.tokens.get(i).filter(|&&(seen, _, _)| offset > seen)
        } else {
            let i = self.tokens.partition_point(|&(seen, _, len)| seen + len <= offset && seen != offset);
            self.tokens.get(i)
        };
        match found {
            Some(&(seen, start, _)) => start + (offset - seen),
            None => self.last_end,
        }
    }

    /// A stripped range in the file.
    pub fn range(&self, range: TextRange) -> TextRange {
        let start = self.offset(range.start(), false);
        TextRange::new(start, self.offset(range.end(), true).max(start))
    }
}

/// A top-level declaration stripped as `strip_signatures` does, except that each
/// function of its own member list becomes a one-character placeholder: those are
/// lowered one by one through `member_fn_sig`, which remembers them across edits. Returns
/// the copy and, by the placeholders' offsets in it, the functions' nodes as parsed.
pub(super) fn strip_item(node: &GreenNodeData) -> (GreenNode, HashMap<TextSize, GreenNode>) {
    let mut members = HashMap::new();
    let raw = |kind| <PlutoLang as rowan::Language>::kind_to_raw(kind);
    let token = GreenToken::new(raw(SyntaxKind::IDENT), "f");
    let placeholder = GreenNode::new(raw(SyntaxKind::FN), [NodeOrToken::Token(token)]);
    let item = strip_children(node, TextSize::from(0), &mut |child, at| {
        if kind_of(child.kind()) != SyntaxKind::MEMBER_LIST {
            return strip_signatures(child);
        }
        strip_children(child, at, &mut |member, at| {
            if kind_of(member.kind()) != SyntaxKind::FN {
                return strip_signatures(member);
            }
            members.insert(at, member.to_owned());
            placeholder.clone()
        })
    });
    (item, members)
}

/// A copy of `node` without its trivia tokens, each child node replaced by what
/// `strip` makes of it, given the child's offset in the copy (`node` starting at `start`).
fn strip_children(
    node: &GreenNodeData,
    start: TextSize,
    strip: &mut dyn FnMut(&GreenNodeData, TextSize) -> GreenNode,
) -> GreenNode {
    let mut at = start;
    let mut children = Vec::new();
    for child in node.children() {
        let stripped = match child {
            NodeOrToken::Token(t) if kind_of(t.kind()).is_trivia() => continue,
            NodeOrToken::Token(t) => NodeOrToken::Token(t.to_owned()),
            NodeOrToken::Node(n) => NodeOrToken::Node(strip(n, at)),
        };
        at += stripped.text_len();
        children.push(stripped);
    }
    GreenNode::new(node.kind(), children)
}

pub(super) fn kind_of(raw: rowan::SyntaxKind) -> SyntaxKind {
    <PlutoLang as rowan::Language>::kind_from_raw(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    /// `Unstrip` (a binary search) maps every offset of every node as `unstrip` (a walk).
    fn every_offset_maps_as_the_walk_does() {
        let texts = [
            "// c\nfn f(a: int,   b: string) int {\n    let x = a + 1 // one\n\n    return x\n}\n\nstage s {\n  fn g() { }\n}\n",
            "fn f( { let = \n  x.  }\n class { fn }",
        ];
        for node in texts.iter().flat_map(|t| pluto_syntax::parse(t).syntax().descendants()) {
            let map = Unstrip::new(&node);
            let stripped: u32 = node
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| !t.kind().is_trivia())
                .map(|t| u32::from(t.text_range().len()))
                .sum();
            for offset in 0..=stripped + 1 {
                for is_end in [false, true] {
                    let offset = TextSize::from(offset);
                    assert_eq!(map.offset(offset, is_end), unstrip(&node, offset, is_end), "{offset:?} {is_end}");
                }
            }
        }
    }
}
