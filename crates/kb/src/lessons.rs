use crate::{required_sections, Article};

/// A stable id part from a title: its ASCII words, lower case, joined by `-` (up to 48
/// characters). Titles in Chinese have no ASCII words, so those fall back to 16 hex
/// digits of a hash of the whole title (FNV-1a: tiny, stable across releases).
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if s.len() + word.len() > 48 {
            break;
        }
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&word.to_ascii_lowercase());
    }
    if s.is_empty() {
        let hash = title.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        s = format!("{hash:016x}");
    }
    s
}

/// Turns a closed incident's lessons into a draft article in the standard layout. The
/// lessons text goes into the last section; the other sections hold prompts for the analyst
/// to fill in before publishing. `lang` other than `zh` yields English.
pub fn lessons_article(
    incident_title: &str,
    category: &str,
    lessons_text: &str,
    lang: &str,
) -> Article {
    let zh = lang == "zh";
    let lang = if zh { "zh" } else { "en" };
    let sections = required_sections(lang);
    let incident_title = incident_title.trim();
    let lessons = lessons_text.trim();
    let (title, summary, todo, empty) = if zh {
        (
            format!("经验总结：{incident_title}"),
            format!("本文由已闭环的安全事件“{incident_title}”（类别：{category}）的复盘结论生成，供同类事件处置参考。"),
            "（待分析员补充）",
            "（未填写经验教训）",
        )
    } else {
        (
            format!("Lessons learned: {incident_title}"),
            format!("Written from the review of the closed incident \"{incident_title}\" (category: {category}) for use on similar incidents."),
            "(to be completed by the analyst)",
            "(no lessons recorded)",
        )
    };
    let mut body = String::new();
    for (i, section) in sections.iter().enumerate() {
        let text = match i {
            0 => summary.as_str(),
            _ if i == sections.len() - 1 => {
                if lessons.is_empty() {
                    empty
                } else {
                    lessons
                }
            }
            _ => todo,
        };
        body.push_str(&format!("## {section}\n\n{text}\n\n"));
    }
    Article {
        id: format!("lessons-{category}-{}.{lang}", slug(incident_title)),
        lang: lang.to_string(),
        category: category.to_string(),
        title,
        tags: Vec::new(),
        updated: None,
        body: body.trim_end().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slug_ascii_and_chinese() {
        assert_eq!(slug("Web shell on OA server!"), "web-shell-on-oa-server");
        let zh = slug("财务服务器勒索");
        assert_eq!(zh.len(), 16);
        assert_eq!(zh, slug("财务服务器勒索"));
        assert_ne!(zh, slug("财务服务器挖矿"));
    }
}
