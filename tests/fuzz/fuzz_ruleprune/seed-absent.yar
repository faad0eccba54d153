rule off_any { strings: $a = "x1" condition: any of them }
rule off_and { strings: $a = "x2" $b = "y2" condition: $a and $b and filesize > 10 }
rule keep_or_size { strings: $a = "x3" condition: $a or filesize < 100 }
rule keep_not { strings: $a = "x4" condition: not $a }
rule keep_count { strings: $a = "x5" condition: #a == 0 }
rule off_all { strings: $a = "x6" $b = "x7" condition: all of them }
rule off_n_of { strings: $a = "x6" $bb = "x7" condition: 2 of ($a, $b*) }
rule keep_no_strings { condition: filesize < 10 }
rule off_ref { condition: off_any }
rule keep_ref_not { condition: not off_any }
rule keep_fullword { strings: $a = "pool" fullword condition: $a }
rule keep_caret { strings: $a = /^MZ/ condition: $a }
rule keep_dollar { strings: $a = /end$/ condition: $a }
rule off_classes { strings: $a = /[^a-z]x[$^]/ condition: $a }
rule keep_boundary { strings: $a = /\bword/ condition: $a }
rule off_escaped { strings: $a = /a\\b\$/ condition: $a }
rule keep_at { strings: $a = "MZ" condition: $a at 0 }
rule keep_in { strings: $a = "MZ" condition: $a in (0..2) }
rule off_needs_both { condition: keep_fullword and off_any }
rule keep_either { condition: keep_fullword or off_any }
rule keep_for { strings: $a = "x9" condition: for any of them : ( $ ) }
