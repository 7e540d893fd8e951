// cDMA zero-value (ZV) compressor. Takes SECTORS x 32 bytes per cycle and produces the byte stream of the golden
// codec (models/codec/zv_codec.h, docs/formats.md): per 128-byte block a mask of 128/E bits, little-endian,
// bit i = element i non-zero, then the block's non-zero elements in order; emitted as LINE_BYTES-byte lines.
//
// Pipeline (docs/rtl.md has the picture):
//   S1  input register; bytes past in_bytes on the last beat are zeroed (zero padding of the partial block).
//   S2  per element a bitwise != 0 detector; a prefix sum over the zero flags gives every non-zero its slot; a
//       bubble-collapsing shifter packs them (zv_compact). The packed part and its mask segment form a chunk
//       {mask, elements}. With SECTORS < 4 a 128-byte block spans 4/SECTORS beats, and its mask is complete only at
//       the last of them, so the packed elements are appended into a block staging register and the mask
//       segments (one per beat) into a mask register; the chunk leaves when the block closes. With SECTORS = 8 a
//       beat holds two blocks whose chunks are appended one after the other.
//   S3  shift-and-append of the chunk into the output buffer at the buffer-length register; a full line (or, at
//       the end of the stream, the last partial line) goes to the output register in the same cycle.
// All lengths inside are counted in E-byte words: masks (16/E bytes) and elements are whole words.
// Valid/ready on both sides; in_ready depends only on registers (no combinational path from out_ready).
module zv_compressor #(
    parameter int SECTORS = 4,    // 32-byte sectors per input beat: 1, 2, 4 or 8
    parameter int ELEM_BITS = 32,  // 32 (fp32), 16 (fp16/bf16) or 8 (int8)
    parameter int LINE_BYTES = (SECTORS > 4) ? 32 * SECTORS : 128  // output line; >= one beat's worth
) (
    input logic clk,
    input logic rst,  // synchronous, active high

    input  logic                              in_valid,
    output logic                              in_ready,
    input  logic [          32*SECTORS*8-1:0] in_data,
    input  logic                              in_last,   // last beat of the stream: flushes
    input  logic [$clog2(32*SECTORS+1)-1:0] in_bytes,  // valid bytes of a last beat (0 = flush only)

    output logic                            out_valid,
    input  logic                            out_ready,
    output logic [        LINE_BYTES*8-1:0] out_data,
    output logic [$clog2(LINE_BYTES+1)-1:0] out_bytes,  // LINE_BYTES except on the last line
    output logic                            out_last,
    output logic [                    63:0] out_total,  // compressed length of the stream, with out_last

    output logic [15:0] buf_level  // bytes waiting in the output buffer (for coverage)
);
  localparam int E = ELEM_BITS / 8;
  localparam int IN_BYTES = 32 * SECTORS;
  localparam int PART_BYTES = (SECTORS < 4) ? IN_BYTES : 128;  // bytes one compactor handles
  localparam int PARTS = IN_BYTES / PART_BYTES;  // compactors (blocks per beat when SECTORS >= 4)
  localparam int PART_ELEMS = PART_BYTES / E;
  localparam int BLK_ELEMS = 128 / E;
  localparam int MASK_W = BLK_ELEMS / 8 / E;  // mask words per block
  localparam int BLK_W = MASK_W + BLK_ELEMS;  // words of a dense block's chunk
  localparam int BEATS = (SECTORS < 4) ? 4 / SECTORS : 1;  // beats per block
  localparam int CHUNK_W = PARTS * BLK_W;
  localparam int LINE_W = LINE_BYTES / E;
  localparam int BUF_W = LINE_W + CHUNK_W;
  localparam int IBW = $clog2(IN_BYTES + 1);
  localparam int CWW = $clog2(CHUNK_W + 1);
  localparam int BWW = $clog2(BUF_W + 1);
  localparam int OBW = $clog2(LINE_BYTES + 1);
  localparam int PCW = $clog2(PART_ELEMS + 1);

  // ---------------------------------------------------------------- S1: input register
  logic s1_valid, s1_last, s1_adv;
  logic [IN_BYTES*8-1:0] s1_data;
  logic [PARTS-1:0] s1_part_ok;  // part p holds at least one byte of the stream

  assign in_ready = !s1_valid || s1_adv;

  always_ff @(posedge clk) begin
    if (rst) begin
      s1_valid <= 1'b0;
    end else if (in_ready) begin
      s1_valid <= in_valid;
      if (in_valid) begin
        for (int j = 0; j < IN_BYTES; j++) begin
          s1_data[j*8+:8] <= (!in_last || IBW'(j) < in_bytes) ? in_data[j*8+:8] : 8'h00;
        end
        for (int p = 0; p < PARTS; p++) begin
          s1_part_ok[p] <= !in_last || in_bytes > IBW'(p * PART_BYTES);
        end
        s1_last <= in_last;
      end
    end
  end

  // ---------------------------------------------------------------- S2: detect, prefix sum, pack
  logic [PARTS*PART_ELEMS-1:0] nz;
  logic [PARTS*PART_BYTES*8-1:0] packed_parts;
  logic [PARTS*PCW-1:0] counts;

  for (genvar p = 0; p < PARTS; p++) begin : g_part
    zv_compact #(
        .N(PART_ELEMS),
        .W(ELEM_BITS)
    ) u_compact (
        .in_data (s1_data[p*PART_BYTES*8+:PART_BYTES*8]),
        .nz      (nz[p*PART_ELEMS+:PART_ELEMS]),
        .out_data(packed_parts[p*PART_BYTES*8+:PART_BYTES*8]),
        .count   (counts[p*PCW+:PCW])
    );
  end

  logic s2_valid, s2_last, s2_adv, s2_free;
  logic [CHUNK_W*ELEM_BITS-1:0] s2_chunk;
  logic [CWW-1:0] s2_len;
  logic closing;  // this beat completes its block(s): a chunk goes to S3
  logic [CHUNK_W*ELEM_BITS-1:0] chunk;
  logic [CWW-1:0] chunk_len;

  assign s2_free = !s2_valid || s2_adv;
  assign s1_adv = s1_valid && (!closing || s2_free);

  if (SECTORS < 4) begin : g_stage
    // One block over BEATS beats: stage the packed elements and mask segments until the block closes.
    localparam int BCW = $clog2(BLK_ELEMS + 1);
    logic [128*8-1:0] blk_data, merged_data;
    logic [BLK_ELEMS-1:0] blk_mask, merged_mask;
    logic [BCW-1:0] blk_cnt, merged_cnt;
    logic [$clog2(BEATS)-1:0] blk_beat;
    logic exists;

    assign closing = s1_last || blk_beat == $clog2(BEATS)'(BEATS - 1);
    assign merged_data = blk_data | ({{(128 - PART_BYTES) * 8{1'b0}}, packed_parts} << (blk_cnt * ELEM_BITS));
    assign merged_mask = blk_mask | ({{(BLK_ELEMS - PART_ELEMS) {1'b0}}, nz} << (blk_beat * PART_ELEMS));
    assign merged_cnt = blk_cnt + BCW'(counts);
    // A stream's last beat with no bytes opens no block (a block with any byte gets a mask).
    assign exists = s1_part_ok[0] || blk_beat != '0;
    assign chunk = {merged_data, merged_mask};
    assign chunk_len = exists ? CWW'(MASK_W) + CWW'(merged_cnt) : '0;

    always_ff @(posedge clk) begin
      if (rst) begin
        blk_data <= '0;
        blk_mask <= '0;
        blk_cnt  <= '0;
        blk_beat <= '0;
      end else if (s1_adv) begin
        if (closing) begin
          blk_data <= '0;
          blk_mask <= '0;
          blk_cnt  <= '0;
          blk_beat <= '0;
        end else begin
          blk_data <= merged_data;
          blk_mask <= merged_mask;
          blk_cnt  <= merged_cnt;
          blk_beat <= blk_beat + 1'b1;
        end
      end
    end
  end else begin : g_direct
    // Every beat closes PARTS whole blocks: chunk = {mask 0, elements 0, mask 1, elements 1, ...}.
    assign closing = 1'b1;
    always_comb begin
      logic [CWW-1:0] off;
      logic [BLK_W*ELEM_BITS-1:0] part;
      chunk = '0;
      off = '0;
      for (int p = 0; p < PARTS; p++) begin
        part = {packed_parts[p*PART_BYTES*8+:PART_BYTES*8], nz[p*PART_ELEMS+:PART_ELEMS]};
        if (s1_part_ok[p]) begin
          chunk = chunk | ({{(CHUNK_W - BLK_W) * ELEM_BITS{1'b0}}, part} << (off * ELEM_BITS));
          off = off + CWW'(MASK_W) + CWW'(counts[p*PCW+:PCW]);
        end
      end
      chunk_len = off;
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      s2_valid <= 1'b0;
    end else if (s2_free) begin
      s2_valid <= s1_valid && closing;
      if (s1_valid && closing) begin
        s2_chunk <= chunk;
        s2_len   <= chunk_len;
        s2_last  <= s1_last;
      end
    end
  end

  // ---------------------------------------------------------------- S3: shift-and-append, emit lines
  logic [BUF_W*ELEM_BITS-1:0] buf_q, comb_data;
  logic [BWW-1:0] buf_w, comb_w;
  logic flushing, take, fin_pending, out_free, final_emit, full_emit;
  logic [63:0] total_q, comb_total;  // 64 bits: a 32-bit count would wrap at 4 GiB

  // Accept a chunk only while no full line waits, so the buffer never overflows whatever out_ready does.
  assign s2_adv = s2_valid && !flushing && buf_w < BWW'(LINE_W);
  assign take = s2_adv;
  assign comb_data = buf_q |
      (take ? ({{(BUF_W - CHUNK_W) * ELEM_BITS{1'b0}}, s2_chunk} << (buf_w * ELEM_BITS)) : '0);
  assign comb_w = buf_w + (take ? BWW'(s2_len) : '0);
  assign comb_total = total_q + (take ? 64'(s2_len) * E : 64'd0);
  assign fin_pending = flushing || (take && s2_last);
  assign out_free = !out_valid || out_ready;
  assign final_emit = out_free && fin_pending && comb_w <= BWW'(LINE_W);
  assign full_emit = out_free && !final_emit && comb_w >= BWW'(LINE_W);

  always_ff @(posedge clk) begin
    if (rst) begin
      buf_q <= '0;
      buf_w <= '0;
      flushing <= 1'b0;
      total_q <= '0;
      out_valid <= 1'b0;
      out_last <= 1'b0;
    end else begin
      flushing <= fin_pending && !final_emit;
      total_q  <= final_emit ? 64'd0 : comb_total;
      if (final_emit || full_emit) begin
        buf_q <= comb_data >> (LINE_W * ELEM_BITS);
        buf_w <= final_emit ? '0 : comb_w - BWW'(LINE_W);
        out_valid <= 1'b1;
        out_data <= comb_data[LINE_BYTES*8-1:0];
        out_bytes <= final_emit ? OBW'(comb_w * E) : OBW'(LINE_BYTES);
        out_last <= final_emit;
        out_total <= comb_total;
      end else begin
        buf_q <= comb_data;
        buf_w <= comb_w;
        if (out_ready) out_valid <= 1'b0;
      end
    end
  end

  assign buf_level = 16'(buf_w * E);

`ifdef FORMAL
  // Properties proved by rtl/formal.py (docs/rtl.md, "Formal"). f_init: the first cycle, under reset.
  logic f_init = 1'b1;
  always_ff @(posedge clk) f_init <= 1'b0;
  always_comb if (f_init) assume (rst);

  // The output holds while it waits: valid and every payload field are stable until taken.
  always_ff @(posedge clk) begin
    if (!f_init && !$past(rst) && $past(out_valid && !out_ready)) begin
      p_out_held: assert (out_valid && $stable(out_data) && $stable(out_bytes) && $stable(out_last) &&
                          $stable(out_total));
    end
  end
  // The output buffer never holds more than a line plus a chunk, and takes a chunk only below one line.
  always_comb begin
    if (!f_init) begin
      p_buf_bound: assert (buf_w <= BWW'(BUF_W));
      p_take_room: assert (!take || buf_w < BWW'(LINE_W));
      p_chunk_len: assert (!s2_valid || s2_len <= CWW'(CHUNK_W));
      p_line_bytes: assert (!out_valid || (out_last ? out_bytes <= OBW'(LINE_BYTES) : out_bytes == OBW'(LINE_BYTES)));
    end
  end
  // out_total is the sum of the stream's out_bytes (no line lost or repeated): proved to a bounded depth.
  logic [63:0] f_sum;
  always_ff @(posedge clk) begin
    if (rst) f_sum <= '0;
    else if (out_valid && out_ready) f_sum <= out_last ? '0 : f_sum + 64'(out_bytes);
  end
  always_comb begin
    if (!f_init && out_valid && out_ready && out_last) p_total_sum: assert (out_total == f_sum + 64'(out_bytes));
  end
`endif
endmodule
