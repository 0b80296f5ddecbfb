//! `to_char` of numbers: `9 0 . D , G S MI PL SG PR EEEE FM`.

use rust_decimal::Decimal;
use rustydb_common::DbError;

use crate::types::{errors, numeric};

/// One number-template element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumTok {
    Nine,
    Zero,
    Point,
    Comma,
    S,
    Mi,
    Pl,
    Sg,
    Pr,
    Eeee,
    Lit(char),
}

/// `to_char(number, template)`.
pub(super) fn format_number(value: Decimal, pattern: &str) -> Result<String, DbError> {
    let mut toks = Vec::new();
    let mut fm = false;
    let mut rest = pattern;
    while !rest.is_empty() {
        let upper = rest.to_ascii_uppercase();
        let (tok, len) = if upper.starts_with("FM") {
            fm = true;
            rest = &rest[2..];
            continue;
        } else if upper.starts_with("EEEE") {
            (NumTok::Eeee, 4)
        } else if upper.starts_with("MI") {
            (NumTok::Mi, 2)
        } else if upper.starts_with("PL") {
            (NumTok::Pl, 2)
        } else if upper.starts_with("SG") {
            (NumTok::Sg, 2)
        } else if upper.starts_with("PR") {
            (NumTok::Pr, 2)
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            let t = match c {
                '9' => NumTok::Nine,
                '0' => NumTok::Zero,
                '.' | 'D' | 'd' => NumTok::Point,
                ',' | 'G' | 'g' => NumTok::Comma,
                'S' | 's' => NumTok::S,
                other => NumTok::Lit(other),
            };
            (t, c.len_utf8())
        };
        toks.push(tok);
        rest = &rest[len..];
    }
    let negative = value.is_sign_negative() && !value.is_zero();
    let point_at = toks.iter().position(|t| *t == NumTok::Point);
    let is_digit = |t: &NumTok| matches!(t, NumTok::Nine | NumTok::Zero);
    let pre = toks[..point_at.unwrap_or(toks.len())]
        .iter()
        .filter(|t| is_digit(t))
        .count();
    let post = point_at.map_or(0, |p| toks[p..].iter().filter(|t| is_digit(t)).count());
    let explicit_sign = toks
        .iter()
        .any(|t| matches!(t, NumTok::S | NumTok::Mi | NumTok::Sg | NumTok::Pr));

    if toks.contains(&NumTok::Eeee) {
        let abs = value.abs();
        let (mantissa, exp) = if abs.is_zero() {
            (Decimal::ZERO, 0)
        } else {
            let e = abs.mantissa().unsigned_abs().ilog10() as i32 - abs.scale() as i32;
            let m = if e >= 0 {
                numeric::div_to_scale(
                    &abs,
                    &Decimal::from_i128_with_scale(10i128.pow(e as u32), 0),
                    post as u32 + 1,
                )
            } else {
                abs.checked_mul(Decimal::from_i128_with_scale(10i128.pow((-e) as u32), 0))
            }
            .ok_or_else(errors::numeric_overflow)?;
            let m = numeric::round_to_scale(&m, post as u32);
            if m >= Decimal::TEN {
                (
                    numeric::round_to_scale(&(m / Decimal::TEN), post as u32),
                    e + 1,
                )
            } else {
                (m, e)
            }
        };
        let sign = if negative {
            "-"
        } else if fm {
            ""
        } else {
            " "
        };
        return Ok(format!(
            "{sign}{}e{}{:02}",
            numeric::format_numeric(&numeric::round_to_scale(&mantissa, post as u32)),
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        ));
    }

    let rounded = numeric::round_to_scale(&value.abs(), post as u32);
    let text = numeric::format_numeric(&rounded);
    let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
    let int_digits: Vec<char> = if int_part == "0" {
        Vec::new()
    } else {
        int_part.chars().collect()
    };
    let frac_digits: Vec<char> = frac_part.chars().collect();
    let overflow = int_digits.len() > pre;
    // The first integer position that prints (a digit or a forced zero).
    let first_zero = toks[..point_at.unwrap_or(toks.len())]
        .iter()
        .filter(|t| is_digit(t))
        .position(|t| *t == NumTok::Zero)
        .unwrap_or(pre);
    // A zero value still shows one digit: at the last integer position when the template
    // has no fraction digits, or in fill mode when the fraction is trimmed away.
    let trimmed_all = fm
        && frac_digits.iter().all(|d| *d == '0')
        && point_at.is_some_and(|p| toks[p..].iter().all(|t| *t != NumTok::Zero));
    let first_zero = if int_digits.is_empty() && pre > 0 && (post == 0 || trimmed_all) {
        first_zero.min(pre - 1)
    } else {
        first_zero
    };
    let first_print = first_zero.min(pre - int_digits.len().min(pre));

    let mut out = String::new();
    let mut digit_pos = 0usize;
    let mut frac_pos = 0usize;
    let mut printed = false;
    let mut sign_done = explicit_sign;
    let mut after_point = false;
    // Fill mode drops trailing zeros that come from '9' positions after the point.
    let keep_frac = if fm {
        let mut keep = post;
        let frac_toks: Vec<&NumTok> = point_at.map_or(Vec::new(), |p| {
            toks[p..].iter().filter(|t| is_digit(t)).collect()
        });
        while keep > 0
            && frac_toks[keep - 1] == &NumTok::Nine
            && frac_digits.get(keep - 1) == Some(&'0')
        {
            keep -= 1;
        }
        keep
    } else {
        post
    };
    let sign_char = |neg: bool| if neg { '-' } else { ' ' };
    for (i, tok) in toks.iter().enumerate() {
        match tok {
            NumTok::Nine | NumTok::Zero if !after_point => {
                let pos = digit_pos;
                digit_pos += 1;
                if overflow {
                    if !sign_done {
                        out.push(' ');
                        sign_done = true;
                    }
                    out.push('#');
                    continue;
                }
                let offset = pre - int_digits.len();
                let ch = if pos >= offset {
                    Some(int_digits[pos - offset])
                } else if pos >= first_print {
                    Some('0')
                } else {
                    None
                };
                match ch {
                    Some(c) => {
                        if !sign_done {
                            if negative || !fm {
                                out.push(sign_char(negative));
                            }
                            sign_done = true;
                        }
                        if !printed && toks.contains(&NumTok::Pr) && negative {
                            out.push('<');
                        }
                        printed = true;
                        out.push(c);
                    }
                    None => {
                        if !fm {
                            out.push(' ');
                        }
                    }
                }
            }
            NumTok::Nine | NumTok::Zero => {
                let pos = frac_pos;
                frac_pos += 1;
                if overflow {
                    out.push('#');
                } else if pos < keep_frac {
                    out.push(frac_digits.get(pos).copied().unwrap_or('0'));
                }
            }
            NumTok::Point => {
                after_point = true;
                if overflow {
                    out.push('.');
                    continue;
                }
                if !sign_done {
                    if negative || !fm {
                        out.push(sign_char(negative));
                    }
                    sign_done = true;
                }
                if !printed && toks.contains(&NumTok::Pr) && negative {
                    out.push('<');
                    printed = true;
                }
                out.push('.');
            }
            NumTok::Comma => {
                if overflow || printed {
                    out.push(',');
                } else if !fm {
                    out.push(' ');
                }
            }
            // A leading S is placed before the first digit after the loop.
            NumTok::S if i == 0 => {}
            NumTok::S => out.push(if negative { '-' } else { '+' }),
            NumTok::Mi => {
                if negative {
                    out.push('-');
                } else if !fm {
                    out.push(' ');
                }
            }
            NumTok::Pl => {
                if !negative {
                    out.push('+');
                } else if !fm {
                    out.push(' ');
                }
            }
            NumTok::Sg => out.push(if negative { '-' } else { '+' }),
            NumTok::Pr => {
                if negative {
                    out.push('>');
                } else if !fm {
                    out.push(' ');
                }
            }
            NumTok::Eeee => {}
            NumTok::Lit(c) => out.push(*c),
        }
    }
    if toks.first() == Some(&NumTok::S) {
        // Insert the sign before the first printed digit or point.
        let c = if negative { '-' } else { '+' };
        let at = out.find(|ch: char| ch != ' ').unwrap_or(out.len());
        out.insert(at, c);
    }
    if toks.contains(&NumTok::Pr) && !negative && !fm {
        out.insert(0, ' ');
    }
    Ok(out)
}
