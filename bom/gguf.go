package bom

import (
	"fmt"
	"io"

	"github.com/mlsec/mlsec/formats/gguf"
)

// ggufMeta parses a GGUF header with package gguf and flattens its metadata
// for mapping: integers become uint64 or int64, floats float64, booleans
// bool, strings string; an array is recorded by its length under "key#len".
func ggufMeta(r io.ReaderAt, size int64) (map[string]any, error) {
	f, err := gguf.Parse(r, size)
	if err != nil {
		return nil, fmt.Errorf("parse GGUF: %w", err)
	}
	out := make(map[string]any, len(f.Metadata))
	for _, kv := range f.Metadata {
		v := kv.Value
		switch v.Type {
		case gguf.TypeString:
			out[kv.Key] = v.Str
		case gguf.TypeArray:
			out[kv.Key+"#len"] = uint64(len(v.Array))
		case gguf.TypeBool:
			out[kv.Key] = v.Uint != 0
		case gguf.TypeFloat32, gguf.TypeFloat64:
			out[kv.Key] = v.Float
		case gguf.TypeInt8, gguf.TypeInt16, gguf.TypeInt32, gguf.TypeInt64:
			out[kv.Key] = v.Int
		default:
			out[kv.Key] = v.Uint
		}
	}
	return out, nil
}

// ggufFileTypes names general.file_type values (llama.cpp's llama_ftype).
var ggufFileTypes = map[uint64]string{
	0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
	10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
	16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
	22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
	28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
}
