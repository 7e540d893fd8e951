// cDMA zero-value (ZV) decompressor: reads the compressed byte stream in LINE_BYTES-byte lines and writes
// 32 x SECTORS bytes per cycle (one 128-byte block every 4/SECTORS cycles). Like a DMA descriptor (and the golden
// decoder) it is told the original size (orig_bytes, taken with `start` while idle) and checks the stream as the
// golden codec does: a mask bit set past the end of a partial last block or non-zero padding in a partial last
// element is corrupt; running out of input is truncated (a last line that ends inside an element counts only its
// whole elements); bytes left over are trailing. `start` while busy, a line other than the last with fewer than
// LINE_BYTES bytes, or in_bytes > LINE_BYTES, is a protocol error (err_protocol with the stream's verdict).
//
// Pipeline (docs/rtl.md has the picture). Lengths are counted in E-byte words: masks (16/E bytes) and elements
// are whole words.
//   ring  SLOTS line slots of LINE_W words; line k is written whole into slot k mod SLOTS (no shifter on input).
//   D1    pointer stage, the only loop: the popcounts of the block's mask bytes are read at mptr (zv_window over
//         ring_pc, the per-byte popcounts stored beside the ring when a line is written), this beat's segment of
//         them is summed (zv_sum_tree), and if the ring holds those elements the element pointer advances by the
//         count (by the count plus the next mask at the end of a block). The mask itself and the beat's
//         elements are read by two more windows, off the loop, into the D1 register. The last-block checks ride
//         along as data, not on the enable.
//   D2    routing: zv_route turns the beat's mask segment into the shifter control.
//   D3    expand (zv_expand's mux stages) into the output register; padding check of a partial last block.
// Valid/ready on both sides; in_ready depends only on registers.
module zv_decompressor #(
    parameter int SECTORS = 4,  // 32-byte sectors per output beat: 1, 2 or 4
    parameter int ELEM_BITS = 32,  // 32, 16 or 8
    parameter int LINE_BYTES = 128  // compressed input line
) (
    input logic clk,
    input logic rst,  // synchronous, active high

    input  logic        start,       // idle: begin a stream of orig_bytes uncompressed bytes
    input  logic [63:0] orig_bytes,
    output logic        busy,        // a stream is in progress (start is not taken)

    input  logic                            in_valid,
    output logic                            in_ready,
    input  logic [        LINE_BYTES*8-1:0] in_data,
    input  logic [$clog2(LINE_BYTES+1)-1:0] in_bytes,  // LINE_BYTES except on the last line
    input  logic                            in_last,

    output logic                              out_valid,
    input  logic                              out_ready,
    output logic [          32*SECTORS*8-1:0] out_data,
    output logic [$clog2(32*SECTORS+1)-1:0] out_bytes,  // 32 x SECTORS except at the end of a partial block
    output logic                              out_last,

    output logic        done,           // one cycle: the stream is finished; status below is valid
    output logic        err_corrupt,
    output logic        err_truncated,
    output logic        err_trailing,
    output logic        err_protocol,
    output logic [63:0] consumed        // compressed bytes received
);
  localparam int E = ELEM_BITS / 8;
  localparam int BLK_ELEMS = 128 / E;
  localparam int MASK_W = BLK_ELEMS / 8 / E;  // mask words per block
  localparam int OUT_BYTES = 32 * SECTORS;
  localparam int BEATS = 4 / SECTORS;  // output beats per block
  localparam int PE = OUT_BYTES / E;  // elements per output beat
  localparam int LINE_W = LINE_BYTES / E;
  localparam int SLOTS = 4;  // a dense block (mask + 128 B) can straddle three lines; one more to fill ahead
  localparam int CAP = SLOTS * LINE_W;
  localparam int PW = $clog2(CAP);
  localparam int AW = $clog2(CAP + 1);
  localparam int INW = $clog2(LINE_BYTES + 1);
  localparam int OBW = $clog2(OUT_BYTES + 1);
  localparam int PCW = $clog2(PE + 1);
  localparam int L = $clog2(PE);
  localparam int SW = (BEATS > 1) ? $clog2(BEATS) : 1;
  localparam int BLW = 57;  // blocks of a 64-bit byte count

  initial begin
    if (SECTORS != 1 && SECTORS != 2 && SECTORS != 4) $error("zv_decompressor: SECTORS must be 1, 2 or 4");
    if (ELEM_BITS != 32 && ELEM_BITS != 16 && ELEM_BITS != 8) $error("zv_decompressor: ELEM_BITS 32/16/8");
  end

  // ---------------------------------------------------------------- stream state
  logic started, seen_last, ragged, trailing, corrupt, protocol;
  logic [BLW-1:0] blocks_left;
  logic final_blk;  // blocks_left == 1, kept as a register
  logic [SW-1:0] last_sec;  // last output beat of the final block
  logic [OBW-1:0] last_bytes;  // its bytes
  logic [BLK_ELEMS-1:0] past_end;  // mask bits of the final block past orig_bytes (must be clear)

  // ---------------------------------------------------------------- ring and pointers
  logic [CAP*ELEM_BITS-1:0] ring;
  logic [CAP*E*4-1:0] ring_pc;  // popcount of every ring byte (0..8), written with the byte
  logic [$clog2(SLOTS)-1:0] wslot;
  logic [PW-1:0] mptr, eptr;  // the current block's mask; the next element to issue
  logic [AW-1:0] avail;  // words stored from mptr on (what the ring may not overwrite)
  logic [AW-1:0] boff;  // eptr - mptr: the current block's words already issued, its mask included
  logic [AW:0] room;  // words stored from eptr on; negative while the next mask is not yet complete
  // -MASK_W in AW+1 bits, spelled as a subtraction: yosys 0.23 read `-(AW + 1)'(MASK_W)` as +MASK_W, the
  // simulator as -MASK_W (the formal proof of p_room_avail found the mismatch).
  localparam logic [AW:0] ROOM_START = {(AW + 1) {1'b0}} - (AW + 1)'(MASK_W);
  logic [SW-1:0] sec;  // output beat of the current block

  // ---------------------------------------------------------------- D1: pointer stage
  localparam int SEGB = PE / 8;  // mask bytes of one output beat
  logic [BLK_ELEMS-1:0] mask;
  logic [BLK_ELEMS/8*4-1:0] mask_pc;
  logic [SEGB*4-1:0] seg_pc;
  logic [PE-1:0] seg;
  logic [PCW-1:0] pc;
  logic [PE*ELEM_BITS-1:0] elems;
  logic have, closing, go, p1_free;

  zv_window #(
      .CAP(CAP),
      .K  (MASK_W),
      .W  (ELEM_BITS)
  ) u_mask (
      .ring  (ring),
      .ptr   (mptr),
      .window(mask)
  );
  zv_window #(
      .CAP(CAP),
      .K  (MASK_W),
      .W  (E * 4)
  ) u_mask_pc (
      .ring  (ring_pc),
      .ptr   (mptr),
      .window(mask_pc)
  );
  if (BEATS > 1) begin : g_seg
    assign seg = mask[sec*PE+:PE];
    assign seg_pc = mask_pc[sec*SEGB*4+:SEGB*4];
  end else begin : g_whole
    assign seg = mask;
    assign seg_pc = mask_pc;
  end
  zv_sum_tree #(
      .N (SEGB),
      .IW(4),
      .OW(PCW)
  ) u_pc (
      .values(seg_pc),
      .sum   (pc)
  );
  zv_window #(
      .CAP(CAP),
      .K  (PE),
      .W  (ELEM_BITS)
  ) u_elems (
      .ring  (ring),
      .ptr   (eptr),
      .window(elems)
  );

  assign have = !room[AW] && room[AW-1:0] >= AW'(pc);
  assign closing = sec == (final_blk ? last_sec : SW'(BEATS - 1));
  assign go = started && blocks_left != '0 && have && p1_free;

  // Input side. Lines other than the last are whole (a short one is a protocol error and is taken as whole).
  logic accept, store;
  logic [AW-1:0] in_w;
  logic [LINE_BYTES*8-1:0] in_masked;
  assign in_ready = started && !seen_last && (blocks_left == '0 || avail <= AW'(CAP - LINE_W));
  assign accept = in_valid && in_ready;
  assign store = accept && blocks_left != '0;
  logic [INW-1:0] in_words, in_count;
  logic in_over;  // in_bytes > LINE_BYTES: a protocol error, counted as a whole line
  assign in_over = in_bytes > INW'(LINE_BYTES);
  assign in_count = in_over ? INW'(LINE_BYTES) : in_bytes;
  assign in_words = in_count >> $clog2(E);
  assign in_w = in_last ? AW'(in_words) : AW'(LINE_W);
  always_comb begin
    for (int j = 0; j < LINE_BYTES; j++) begin
      in_masked[j*8+:8] = (INW'(j) < in_bytes) ? in_data[j*8+:8] : 8'h00;
    end
  end
  logic [LINE_BYTES*4-1:0] in_pc;
  for (genvar j = 0; j < LINE_BYTES; j++) begin : g_in_pc
    zv_sum_tree #(
        .N (8),
        .IW(1),
        .OW(4)
    ) u_byte_pc (
        .values(in_masked[j*8+:8]),
        .sum   (in_pc[j*4+:4])
    );
  end

  // ---------------------------------------------------------------- D1 -> D2 register
  logic p1_valid, p1_final, p1_last, p1_bad;
  logic [PE-1:0] p1_mask;
  logic [PE*ELEM_BITS-1:0] p1_elems;
  logic [OBW-1:0] p1_bytes;

  // ---------------------------------------------------------------- D2: routing control
  logic [L*PE-1:0] r_hi, r_keep;
  logic [PCW-1:0] r_count_unused  /*verilator lint_off UNUSEDSIGNAL*/;
  zv_route #(.N(PE)) u_route (
      .keep(p1_mask),
      .sel_hi(r_hi),
      .sel_keep(r_keep),
      .count(r_count_unused)
  );
  logic p2_valid, p2_final, p2_last, p2_bad, p2_free;
  logic [L*PE-1:0] p2_hi, p2_keep;
  logic [PE*ELEM_BITS-1:0] p2_elems;
  logic [OBW-1:0] p2_bytes;

  // ---------------------------------------------------------------- D3: expand, padding check, output
  logic [OUT_BYTES*8-1:0] expanded;
  logic [OUT_BYTES-1:0] pad_nz;
  logic out_free, bad_beat, emit, finish;
  zv_expand #(
      .N(PE),
      .W(ELEM_BITS)
  ) u_expand (
      .packed_data(p2_elems),
      .sel_hi(p2_hi),
      .sel_keep(p2_keep),
      .out_data(expanded)
  );
  always_comb begin
    for (int j = 0; j < OUT_BYTES; j++) pad_nz[j] = OBW'(j) >= p2_bytes && expanded[j*8+:8] != 8'h00;
  end
  assign out_free = !out_valid || out_ready;
  assign p2_free = !p2_valid || out_free;
  assign p1_free = !p1_valid || p2_free;
  // A corrupt final block is cut at its first bad beat; blocks before it are all delivered.
  assign bad_beat = p2_final && (p2_bad || |pad_nz || corrupt);
  assign emit = p2_valid && out_free && !bad_beat;
  // Out of input with a block still short (truncated), decided from the previous cycle: once the last line is
  // in nothing can refill the ring, so a `have` that failed stays failed, and `finish` is off the loop.
  logic stuck;
  assign finish = started && seen_last && !p1_valid && !p2_valid && (blocks_left == '0 || stuck);
  assign busy = started;

  // Stream setup from orig_bytes: the final block's size, beats and forbidden mask bits.
  logic [7:0] fin_bytes, fin_m1;
  logic [BLK_ELEMS-1:0] fin_past;
  assign fin_bytes = orig_bytes[6:0] == '0 ? 8'd128 : {1'b0, orig_bytes[6:0]};
  assign fin_m1 = fin_bytes - 8'd1;
  always_comb begin
    for (int i = 0; i < BLK_ELEMS; i++) fin_past[i] = 8'(i * E) >= fin_bytes;
  end

  // The pointer updates for both outcomes of `go`.
  logic [AW:0] room_st, room_go;
  logic [AW-1:0] avail_st, avail_go;
  logic [PW-1:0] eptr_go, mptr_go;
  assign room_st = room + (store ? {1'b0, in_w} : '0);
  assign room_go = room_st - (AW + 1)'(pc) - (closing ? (AW + 1)'(MASK_W) : '0);
  assign avail_st = avail + (store ? in_w : '0);
  assign avail_go = avail_st - boff - AW'(pc);
  assign mptr_go = eptr + PW'(pc);
  assign eptr_go = mptr_go + (closing ? PW'(MASK_W) : '0);

  always_ff @(posedge clk) begin
    if (rst) begin
      started <= 1'b0;
      seen_last <= 1'b0;
      blocks_left <= '0;
      p1_valid <= 1'b0;
      p2_valid <= 1'b0;
      out_valid <= 1'b0;
      done <= 1'b0;
      err_corrupt <= 1'b0;
      err_truncated <= 1'b0;
      err_trailing <= 1'b0;
      err_protocol <= 1'b0;
      consumed <= '0;
      wslot <= '0;
      mptr <= '0;
      eptr <= PW'(MASK_W);
      avail <= '0;
      boff <= AW'(MASK_W);
      room <= ROOM_START;
      sec <= '0;
      corrupt <= 1'b0;
    end else begin
      done <= 1'b0;
      if (!started) begin
        // Idle between streams: take the new stream's size.
        started <= start;
        blocks_left <= BLW'((65'(orig_bytes) + 65'd127) >> 7);
        final_blk <= (65'(orig_bytes) + 65'd127) >> 7 == 65'd1;
        last_sec <= SW'(fin_m1 >> $clog2(OUT_BYTES));
        last_bytes <= OBW'(fin_m1[$clog2(OUT_BYTES)-1:0]) + OBW'(1);
        past_end <= fin_past;
        seen_last <= 1'b0;
        ragged <= 1'b0;
        trailing <= 1'b0;
        corrupt <= 1'b0;
        protocol <= 1'b0;
        consumed <= '0;
      end else if (finish) begin
        done <= 1'b1;
        err_corrupt <= corrupt;
        err_truncated <= !corrupt && blocks_left != '0;
        err_trailing <= !corrupt && blocks_left == '0 && (trailing || avail != '0 || ragged);
        err_protocol <= protocol || start;
        started <= 1'b0;
      end else begin
        if (start) protocol <= 1'b1;  // a new stream while this one runs is refused, and said so
        if (accept) begin
          seen_last <= in_last;
          consumed <= consumed + 64'(in_count);
          if (in_last && in_count % INW'(E) != '0) ragged <= 1'b1;  // a part-element: never part of a block
          if ((!in_last && in_bytes != INW'(LINE_BYTES)) || in_over) protocol <= 1'b1;
          if (!store && in_bytes != '0) trailing <= 1'b1;
        end
        if (store) begin
          ring[wslot*LINE_W*ELEM_BITS+:LINE_BYTES*8] <= in_masked;
          ring_pc[wslot*LINE_BYTES*4+:LINE_BYTES*4] <= in_pc;
          wslot <= wslot + 1'b1;
        end
        if (p2_valid && out_free && bad_beat) corrupt <= 1'b1;
      end

      // Pointers, outside the finish/accept branches: `go` excludes `finish`, and both outcomes of `go` are
      // computed beside it, so it only picks one (it comes last on the loop). The element pointer moves by this
      // beat's count, and past the next mask at a block's end.
      if (!started) begin
        stuck <= 1'b0;
        wslot <= '0;
        mptr <= '0;
        eptr <= PW'(MASK_W);
        avail <= '0;
        boff <= AW'(MASK_W);
        room <= ROOM_START;
        sec <= '0;
      end else begin
        stuck <= seen_last && !have;
        room  <= go ? room_go : room_st;
        avail <= (go && closing) ? avail_go : avail_st;
        if (go) begin
          eptr <= eptr_go;
          boff <= closing ? AW'(MASK_W) : boff + AW'(pc);
          sec  <= closing ? '0 : sec + 1'b1;
          if (closing) begin
            mptr <= mptr_go;
            blocks_left <= blocks_left - 1'b1;
            final_blk <= blocks_left == BLW'(2);
          end
        end
      end

      // Pipeline registers: the data loads whenever its stage is free (only the valid bits follow `go` and
      // `emit`), so the loop's enable does not fan out to a thousand data flops.
      if (p1_free) begin
        p1_valid <= go;
        p1_mask <= seg;
        p1_elems <= elems;
        p1_final <= final_blk;
        p1_last <= final_blk && closing;
        p1_bytes <= (final_blk && closing) ? last_bytes : OBW'(OUT_BYTES);
        p1_bad <= final_blk && |(mask & past_end);
      end
      if (p2_free) begin
        p2_valid <= p1_valid;
        p2_hi <= r_hi;
        p2_keep <= r_keep;
        p2_elems <= p1_elems;
        p2_final <= p1_final;
        p2_last <= p1_last;
        p2_bytes <= p1_bytes;
        p2_bad <= p1_bad;
      end
      if (out_free) begin
        out_valid <= emit;
        out_data <= expanded;
        out_bytes <= p2_bytes;
        out_last <= p2_last;
      end
    end
  end

`ifdef FORMAL
  // Properties proved by rtl/formal.py (docs/rtl.md, "Formal"). f_init: the first cycle, under reset.
  logic f_init = 1'b1;
  always_ff @(posedge clk) f_init <= 1'b0;
  always_comb if (f_init) assume (rst);

  // The output holds while it waits.
  always_ff @(posedge clk) begin
    if (!f_init && !$past(rst) && $past(out_valid && !out_ready)) begin
      p_out_held: assert (out_valid && $stable(out_data) && $stable(out_bytes) && $stable(out_last));
    end
  end
  always_comb begin
    if (!f_init && started) begin
      // The ring is never overfilled, so no unread word is overwritten; the three counts agree.
      p_avail_bound: assert (avail <= AW'(CAP));
      p_room_avail: assert ((AW + 1)'(avail) == room + (AW + 1)'(boff));
      p_boff_range: assert (boff >= AW'(MASK_W) && boff <= AW'(MASK_W + BLK_ELEMS));
      p_store_room: assert (!store || avail <= AW'(CAP - LINE_W));
      p_pointers: assert (PW'(mptr + PW'(boff)) == eptr);
    end
    if (!f_init) begin
      // A verdict is one of corrupt, truncated, trailing, and comes after the last beat left the pipeline.
      p_one_verdict: assert (!done || 32'(err_corrupt) + 32'(err_truncated) + 32'(err_trailing) <= 1);
      p_done_drained: assert (!finish || (!p1_valid && !p2_valid));
      p_beat_bytes: assert (!out_valid || out_last || out_bytes == OBW'(OUT_BYTES));
      p_beat_nonempty: assert (!out_valid || out_bytes != '0);
    end
  end
`endif
endmodule
