import "pe"
/* a comment that says rule fake { condition: false } */
// rule fake2 { condition: true }
rule cut_small { strings: $a = "kill -9" condition: filesize < 4MB and $a }
rule cut_small_le { strings: $a = "x" condition: filesize <= 1048576 and #a > 2 }
rule cut_pe : tag1 tag2 { meta: author = "t" score = 70 strings: $a = { 4D 5A ?? [2-4] 00 } condition: uint16(0) == 0x5a4d and $a }
rule cut_pe_and_small { strings: $r = /ab\/c\}d"e/ nocase condition: uint16(0) == 0x5A4D and filesize < 2MB and $r }
private rule is_pe { condition: uint16(0) == 0x5a4d }
rule cut_by_reference { strings: $a = "zz" wide xor(1-3) condition: is_pe and $a }
rule cut_both_sides_false { strings: $a = "q" base64("!@#$%^&*(){}[].,|ABCDEFGHIJ\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu") condition: (filesize < 100KB and $a) or (uint32(0) == 0x00905a4d) }
rule cut_wasm { strings: $1 = "memory" condition: uint32(0) == 0x6d736100 and $1 }
rule cut_not_elf { condition: not (uint32(0) == 0x464c457f) }
rule cut_false { condition: false }
rule keep_or { strings: $a = "pool" condition: filesize < 4MB or $a }
rule keep_not { strings: $a = "pool" condition: not filesize < 4MB and $a }
rule keep_arith { strings: $a = "pool" condition: filesize < 4MB + 2MB and $a }
rule keep_other_offset { condition: uint16(0x3c) == 0x5a4d }
rule keep_elf { strings: $a = "pool" condition: uint32(0) == 0x464c457f and $a }
rule keep_module { condition: pe.number_of_sections > 2 and filesize > 10 }
rule keep_for { strings: $a = "and" condition: for any i in (1..#a) : (@a[i] < 100 and filesize < 4MB) or uint8(0) == 0x7f }
rule keep_matches { condition: pe.sections[0].name matches /and|or\// }
global rule keep_global { condition: filesize > 0 }
