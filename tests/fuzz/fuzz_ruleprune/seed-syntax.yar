rule a : t { meta: x = -1 y = true strings: $ = "a" xor(0x01-0xff) private $b = { 4D [1-2] (5A | 00) } $c = /x{2,3}\}/is condition: filesize <= 0x10 and (#b == 0 or any of them) and uint32be(0) != 0x7f454c46 }
global private rule g { condition: not false }
