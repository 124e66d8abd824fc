package pickleasm

import "testing"

func TestKnownEncodings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"p0 os.system", New(0).Global("os", "system").Mark().String("echo hi").Tuple().Reduce().Stop().Bytes(), "cos\nsystem\n(S'echo hi'\ntR."},
		{"p2 dict", New(2).EmptyDict().BinPut(0).BinUnicode("a").BinPut(1).Int(1).SetItem().Stop().Bytes(), "\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."},
		{"p4 stack global", New(4).StackGlobal("os", "system").Stop().Bytes(), "\x80\x04\x8c\x02os\x8c\x06system\x93."},
		{"framed", New(4).Framed(func(a *Asm) { a.None().Stop() }).Bytes(), "\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00N."},
		{"ints", New(-1).Int(5).Int(300).Int(-1).Bytes(), "K\x05M\x2c\x01J\xff\xff\xff\xff"},
	}
	for _, c := range cases {
		if string(c.got) != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}
