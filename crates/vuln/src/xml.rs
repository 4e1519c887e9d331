//! roxmltree helpers with positions for errors.

use crate::error::ImportError;
use roxmltree::{Document, Node, ParsingOptions};

/// Parses a whole document; DTDs are allowed because nmap writes `<!DOCTYPE nmaprun>`.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, ImportError> {
    let opts = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, opts).map_err(|e| {
        // roxmltree places end-of-input errors at 1:1; the useful place is the end,
        // together with the element left open there.
        if matches!(
            e,
            roxmltree::Error::UnclosedRootNode | roxmltree::Error::UnexpectedEndOfStream
        ) {
            let msg = match open_elements(text).last() {
                Some(name) => format!("unexpected end of XML inside <{name}>"),
                None => "unexpected end of XML".to_string(),
            };
            return ImportError::at(text, text.len(), msg);
        }
        let pos = e.pos();
        // roxmltree's message repeats the position; keep only the description.
        let msg = e.to_string();
        let msg = msg
            .rsplit_once(" at ")
            .map_or(msg.as_str(), |(m, _)| m)
            .to_string();
        let (line, column) = (pos.row as usize, pos.col as usize);
        ImportError {
            line: Some(line),
            column: Some(column),
            byte_offset: byte_offset(text, line, column),
            message: msg,
        }
    })
}

/// Names of the elements still open at the end of `text` (outermost first).
/// A small tag scanner, used only to describe truncation errors.
fn open_elements(text: &str) -> Vec<&str> {
    let mut stack = Vec::new();
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt..];
        let skip_to = |r: &str, end: &str| r.find(end).map(|i| i + end.len());
        let consumed = if rest.starts_with("<!--") {
            skip_to(rest, "-->")
        } else if rest.starts_with("<![CDATA[") {
            skip_to(rest, "]]>")
        } else if rest.starts_with("<?") {
            skip_to(rest, "?>")
        } else if rest.starts_with("<!") {
            // DOCTYPE, possibly with an internal subset in brackets.
            match (rest.find('['), rest.find('>')) {
                (Some(b), Some(g)) if b < g => skip_to(rest, "]>"),
                _ => skip_to(rest, ">"),
            }
        } else if let Some(close) = rest.strip_prefix("</") {
            // Only a complete end tag closes its element.
            let end = skip_to(rest, ">");
            let name = close
                .split(|c: char| c == '>' || c.is_whitespace())
                .next()
                .unwrap_or_default();
            if end.is_some() && stack.last() == Some(&name) {
                stack.pop();
            }
            end
        } else {
            let name_end = rest[1..]
                .find(|c: char| c == '>' || c == '/' || c.is_whitespace())
                .map_or(rest.len(), |i| i + 1);
            stack.push(&rest[1..name_end]);
            match tag_end(rest) {
                Some((end, true)) => {
                    stack.pop();
                    Some(end)
                }
                Some((end, false)) => Some(end),
                None => None,
            }
        };
        match consumed {
            Some(n) => rest = &rest[n..],
            None => break,
        }
    }
    stack
}

/// End of a start tag (after `>`), and whether it was self-closing; quotes respected.
fn tag_end(tag: &str) -> Option<(usize, bool)> {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some((i + 1, prev == '/')),
            _ => {}
        }
        prev = c;
    }
    None
}

/// Byte offset of a 1-based line and char column.
fn byte_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &text[line_start..];
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + within)
}

/// Checks the root element name.
pub(crate) fn expect_root<'a, 'i>(
    text: &str,
    doc: &'a Document<'i>,
    names: &[&str],
) -> Result<Node<'a, 'i>, ImportError> {
    let root = doc.root_element();
    if names.contains(&root.tag_name().name()) {
        Ok(root)
    } else {
        Err(ImportError::at(
            text,
            root.range().start,
            format!(
                "unexpected root element <{}>, expected <{}>",
                root.tag_name().name(),
                names.join("> or <")
            ),
        ))
    }
}

/// Error located at a node.
pub(crate) fn err_at(text: &str, node: Node<'_, '_>, msg: impl Into<String>) -> ImportError {
    ImportError::at(text, node.range().start, msg)
}

/// First child element with this name.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Child elements with this name.
pub(crate) fn children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// All direct text of an element (text and CDATA children), trimmed, non-empty.
pub(crate) fn text_of(node: Node<'_, '_>) -> Option<String> {
    let mut s = String::new();
    for c in node.children().filter(|c| c.is_text()) {
        s.push_str(c.text().unwrap_or_default());
    }
    crate::text::clean(&s)
}

/// Trimmed text of the named child.
pub(crate) fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).and_then(text_of)
}

/// Trimmed non-empty attribute.
pub(crate) fn attr(node: Node<'_, '_>, name: &str) -> Option<String> {
    node.attribute(name).and_then(crate::text::clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_document_reports_position() {
        let text = "<a>\n  <b>x</b>\n  <c>";
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.column.is_some());
        assert!(e.byte_offset.is_some());
        assert_eq!(e.column, Some(6));
        assert_eq!(
            e.to_string(),
            "line 3, column 6: unexpected end of XML inside <c>"
        );
        let e = parse("<?xml version=\"1.0\"?>\n<!DOCTYPE r>\n<r a='>'><x/><!-- <y> --><z>t</z><w")
            .unwrap_err();
        assert!(
            e.message.ends_with("inside <w>") || e.message.ends_with("inside <r>"),
            "{e}"
        );
        assert_eq!(
            open_elements("<r a='>'><x/><!-- <y> --><z>t</z><w>"),
            vec!["r", "w"]
        );
    }

    #[test]
    fn offsets_from_line_col() {
        assert_eq!(byte_offset("ab\ncd", 2, 2), Some(4));
        assert_eq!(byte_offset("ab", 1, 1), Some(0));
    }
}
