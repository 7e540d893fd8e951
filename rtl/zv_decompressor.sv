// cDMA zero-value (ZV) decompressor: reads the compressed byte stream in LINE_BYTES-byte lines and writes one
// 128-byte block per cycle. Like a DMA descriptor (and the golden decoder), it is told the original size
// (orig_bytes, taken with `start` while idle) and checks the stream as the golden codec does:
// a mask bit set past the end of a partial last block or non-zero padding in a partial last element is corrupt;
// running out of input is truncated (a last line that ends inside an element counts only its whole elements);
// bytes left over are trailing.
//
// Datapath: an input buffer holding up to two lines plus one dense block; every cycle, if the buffer holds the
// next block's mask and all of its popcount(mask) elements, the expander (zv_expand: the compactor's shift stages
// mirrored, steered by the same prefix-sum routing) spreads the elements to their mask positions and the buffer
// shifts down by the block's compressed length. Lengths are counted in E-byte words.
module zv_decompressor #(
    parameter int ELEM_BITS  = 32,  // 32, 16 or 8
    parameter int LINE_BYTES = 128  // compressed input line
) (
    input logic clk,
    input logic rst,  // synchronous, active high

    input logic        start,       // idle: begin a stream of orig_bytes uncompressed bytes
    input logic [31:0] orig_bytes,

    input  logic                            in_valid,
    output logic                            in_ready,
    input  logic [        LINE_BYTES*8-1:0] in_data,
    input  logic [$clog2(LINE_BYTES+1)-1:0] in_bytes,  // LINE_BYTES except on the last line
    input  logic                            in_last,

    output logic           out_valid,
    input  logic           out_ready,
    output logic [128*8-1:0] out_data,
    output logic [      7:0] out_bytes,  // 128 except on a partial last block
    output logic             out_last,

    output logic        done,           // one cycle: the stream is finished; status below is valid
    output logic        err_corrupt,
    output logic        err_truncated,
    output logic        err_trailing,
    output logic [31:0] consumed        // compressed bytes received
);
  localparam int E = ELEM_BITS / 8;
  localparam int BLK_ELEMS = 128 / E;
  localparam int MASK_W = BLK_ELEMS / 8 / E;
  localparam int BLK_W = MASK_W + BLK_ELEMS;
  localparam int LINE_W = LINE_BYTES / E;
  localparam int IBUF_W = 2 * LINE_W + BLK_W;
  localparam int IWW = $clog2(IBUF_W + 1);
  localparam int INW = $clog2(LINE_BYTES + 1);
  localparam int PCW = $clog2(BLK_ELEMS + 1);

  logic started, seen_last, corrupt, trailing, ragged;
  logic [25:0] blocks_left;
  logic [6:0] tail;  // orig_bytes mod 128
  logic [IBUF_W*ELEM_BITS-1:0] ibuf;
  logic [IWW-1:0] ibuf_w;

  // Next block: mask in the low words, elements after it.
  logic [BLK_ELEMS-1:0] mask;
  logic [128*8-1:0] expanded;
  logic [PCW-1:0] pc;
  assign mask = ibuf[BLK_ELEMS-1:0];
  zv_expand #(
      .N(BLK_ELEMS),
      .W(ELEM_BITS)
  ) u_expand (
      .packed_data(ibuf[BLK_ELEMS+:128*8]),
      .mask(mask),
      .out_data(expanded),
      .count(pc)
  );

  logic final_blk, have_block, decode, bad_block, out_free, truncated_now, finish;
  logic [7:0] blk_bytes;
  logic [IWW-1:0] need_w, cons_w;
  logic accept, store;
  logic [IWW-1:0] in_w, keep_w;

  assign final_blk = blocks_left == 26'd1;
  assign blk_bytes = (final_blk && tail != '0) ? {1'b0, tail} : 8'd128;
  assign need_w = IWW'(MASK_W) + IWW'(pc);
  assign have_block = ibuf_w >= IWW'(MASK_W) && ibuf_w >= need_w;
  assign out_free = !out_valid || out_ready;
  assign decode = started && blocks_left != '0 && !corrupt && have_block && out_free;

  // A partial last block may not set mask bits, nor hold non-zero bytes, past its end.
  always_comb begin
    bad_block = 1'b0;
    for (int i = 0; i < BLK_ELEMS; i++) begin
      if (mask[i] && 8'(i * E) >= blk_bytes) bad_block = 1'b1;
    end
    for (int j = 0; j < 128; j++) begin
      if (8'(j) >= blk_bytes && expanded[j*8+:8] != 8'h00) bad_block = 1'b1;
    end
  end

  assign in_ready = started && !seen_last && ibuf_w <= IWW'(IBUF_W - LINE_W);
  assign accept = in_valid && in_ready;
  localparam int XW = (IWW > INW) ? IWW : INW;
  logic [XW-1:0] in_bytes_x;
  assign in_bytes_x = XW'(in_bytes);
  assign in_w = IWW'(in_bytes_x >> $clog2(E));
  // Once every block is out (or the stream is corrupt) further input is only counted, not stored.
  assign store = accept && blocks_left != '0 && !corrupt;
  assign cons_w = decode ? need_w : '0;
  assign keep_w = ibuf_w - cons_w;
  assign truncated_now = started && seen_last && blocks_left != '0 && !corrupt && !have_block;
  assign finish = started && seen_last && (blocks_left == '0 || corrupt || truncated_now);

  logic [LINE_BYTES*8-1:0] in_masked;
  always_comb begin
    for (int j = 0; j < LINE_BYTES; j++) begin
      in_masked[j*8+:8] = (INW'(j) < in_bytes) ? in_data[j*8+:8] : 8'h00;
    end
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      started <= 1'b0;
      seen_last <= 1'b0;
      corrupt <= 1'b0;
      trailing <= 1'b0;
      ragged <= 1'b0;
      blocks_left <= '0;
      tail <= '0;
      ibuf <= '0;
      ibuf_w <= '0;
      consumed <= '0;
      out_valid <= 1'b0;
      out_last <= 1'b0;
      done <= 1'b0;
      err_corrupt <= 1'b0;
      err_truncated <= 1'b0;
      err_trailing <= 1'b0;
    end else begin
      done <= 1'b0;
      if (!started) begin
        // Idle between streams: take the new stream's size.
        started <= start;
        blocks_left <= 26'((33'(orig_bytes) + 33'd127) >> 7);
        tail <= orig_bytes[6:0];
        seen_last <= 1'b0;
        corrupt <= 1'b0;
        trailing <= 1'b0;
        ragged <= 1'b0;
        consumed <= '0;
      end else if (finish) begin
        done <= 1'b1;
        err_corrupt <= corrupt;
        err_truncated <= truncated_now;
        err_trailing <= trailing || (blocks_left == '0 && (ibuf_w != '0 || ragged));
        started <= 1'b0;
        ibuf <= '0;
        ibuf_w <= '0;
      end else begin
        // Append at the current length, then drop the decoded block: the append does not wait for the
        // popcount, so the loop mask -> popcount -> shift has one barrel shifter, not two in series.
        ibuf <= (ibuf | (store ? ({{(IBUF_W - LINE_W) * ELEM_BITS{1'b0}}, in_masked} << (ibuf_w * ELEM_BITS)) : '0))
            >> (cons_w * ELEM_BITS);
        ibuf_w <= keep_w + (store ? in_w : '0);
        if (accept) begin
          seen_last <= in_last;
          consumed <= consumed + 32'(in_bytes);
          if (in_bytes % INW'(E) != '0) ragged <= 1'b1;  // a part-element: never part of a block
          if (!store && in_bytes != '0 && blocks_left == '0) trailing <= 1'b1;
        end
        if (decode) begin
          if (final_blk && bad_block) begin
            corrupt <= 1'b1;
          end else begin
            blocks_left <= blocks_left - 1'b1;
          end
        end
      end
      if (decode && !(final_blk && bad_block) && started && !finish) begin
        out_valid <= 1'b1;
        out_data <= expanded;
        out_bytes <= blk_bytes;
        out_last <= final_blk;
      end else if (out_ready) begin
        out_valid <= 1'b0;
      end
    end
  end
endmodule
