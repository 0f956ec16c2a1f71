//! Horizontal bar charts as inline SVG: no script, no external file, and a text
//! alternative (the values) for screen readers and for print.
use std::fmt::Write as _;

use crate::html::esc;

/// One bar: label, value, CSS class (colour).
pub struct Bar {
    pub label: String,
    pub value: usize,
    pub class: String,
}

const WIDTH: usize = 420;
const LABEL: usize = 110;
const VALUE: usize = 60;
const ROW: usize = 22;

/// A bar chart with title `title`; `id` must be unique in the page.
pub fn bars(id: &str, title: &str, bars: &[Bar]) -> String {
    let mut out = String::new();
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) + 4;
    let desc: Vec<String> = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.value))
        .collect();
    let _ = write!(
        out,
        "<figure class=\"chart\">\n<figcaption id=\"{id}-t\">{}</figcaption>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"{WIDTH}\" height=\"{height}\" role=\"img\" \
         aria-labelledby=\"{id}-t {id}-d\">\n<desc id=\"{id}-d\">{}</desc>\n",
        esc(title),
        esc(&desc.join(", ")),
    );
    if bars.is_empty() {
        let _ = writeln!(out, "<text x=\"0\" y=\"16\">none</text>");
    }
    let span = WIDTH - LABEL - VALUE;
    for (i, b) in bars.iter().enumerate() {
        let y = i * ROW + 2;
        // Integer widths: the same numbers give the same bytes everywhere.
        let w = if b.value == 0 {
            0
        } else {
            (b.value * span).div_ceil(max).max(1)
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect class=\"{}\" x=\"{LABEL}\" y=\"{y}\" width=\"{w}\" height=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            LABEL - 6,
            y + 15,
            esc(&b.label),
            esc(&b.class),
            ROW - 6,
            LABEL + w + 6,
            y + 15,
            b.value,
        );
    }
    out.push_str("</svg>\n</figure>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_say_their_values() {
        let svg = bars(
            "c1",
            "Packages per ecosystem",
            &[
                Bar {
                    label: "deb".into(),
                    value: 182,
                    class: "eco".into(),
                },
                Bar {
                    label: "pypi".into(),
                    value: 91,
                    class: "eco".into(),
                },
            ],
        );
        assert!(svg.contains("width=\"250\""), "{svg}");
        assert!(svg.contains("width=\"125\""), "{svg}");
        assert!(
            svg.contains("<desc id=\"c1-d\">deb: 182, pypi: 91</desc>"),
            "{svg}"
        );
    }
}
