/**
 * `/bin/ktrim-tsc` of the boot lab's initramfs: a 200-byte static x86-64 ELF
 * that prints the time-stamp counter in decimal and exits. Pure: the bytes
 * are assembled here, so no compiler is needed and the initramfs stays
 * reproducible.
 *
 * Why: under qemu `-icount shift=0,sleep=off` the guest's TSC is qemu's
 * virtual clock in ns since the machine started (target/i386 cpu_get_tsc →
 * cpu_get_ticks → icount_get). Read by /init, it covers firmware, loader,
 * decompression and the kernel, deterministically: the icount-total metric
 * (metric.ts). The kernel's printk clock starts only at its TSC set-up.
 *
 * The code (at 0x400078, the whole file loaded read+execute at 0x400000):
 *   sub rsp,0x20 ; rdtsc ; shl rdx,32 ; or rax,rdx
 *   lea rsi,[rsp+0x20] ; dec rsi ; mov byte [rsi],10 ; mov ecx,10
 * digit:
 *   xor edx,edx ; div rcx ; add dl,'0' ; dec rsi ; mov [rsi],dl
 *   test rax,rax ; jnz digit
 *   lea rdx,[rsp+0x20] ; sub rdx,rsi ; mov edi,1 ; mov eax,1 ; syscall   (write)
 *   xor edi,edi ; mov eax,60 ; syscall                                     (exit 0)
 */

// prettier-ignore
const CODE = [
  0x48, 0x83, 0xec, 0x20, // sub rsp,0x20
  0x0f, 0x31, // rdtsc
  0x48, 0xc1, 0xe2, 0x20, // shl rdx,32
  0x48, 0x09, 0xd0, // or rax,rdx
  0x48, 0x8d, 0x74, 0x24, 0x20, // lea rsi,[rsp+0x20]
  0x48, 0xff, 0xce, // dec rsi
  0xc6, 0x06, 0x0a, // mov byte [rsi],'\n'
  0xb9, 0x0a, 0x00, 0x00, 0x00, // mov ecx,10
  0x31, 0xd2, // digit: xor edx,edx
  0x48, 0xf7, 0xf1, // div rcx
  0x80, 0xc2, 0x30, // add dl,'0'
  0x48, 0xff, 0xce, // dec rsi
  0x88, 0x16, // mov [rsi],dl
  0x48, 0x85, 0xc0, // test rax,rax
  0x75, 0xee, // jnz digit (-18)
  0x48, 0x8d, 0x54, 0x24, 0x20, // lea rdx,[rsp+0x20]
  0x48, 0x29, 0xf2, // sub rdx,rsi
  0xbf, 0x01, 0x00, 0x00, 0x00, // mov edi,1
  0xb8, 0x01, 0x00, 0x00, 0x00, // mov eax,1 (write)
  0x0f, 0x05, // syscall
  0x31, 0xff, // xor edi,edi
  0xb8, 0x3c, 0x00, 0x00, 0x00, // mov eax,60 (exit)
  0x0f, 0x05, // syscall
];

const LOAD_ADDRESS = 0x400000n;
const ELF_HEADER_SIZE = 64;
const PROGRAM_HEADER_SIZE = 56;

/** The ELF image: one ELF64 header, one PT_LOAD program header, the code. */
export function tscProbeElf(): Buffer {
  const codeOffset = ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE;
  const size = codeOffset + CODE.length;
  const b = Buffer.alloc(size);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* little endian */, 1 /* version */, 0 /* System V */]).copy(b, 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // EM_X86_64
  b.writeUInt32LE(1, 20); // EV_CURRENT
  b.writeBigUInt64LE(LOAD_ADDRESS + BigInt(codeOffset), 24); // e_entry
  b.writeBigUInt64LE(BigInt(ELF_HEADER_SIZE), 32); // e_phoff (no section headers)
  b.writeUInt16LE(ELF_HEADER_SIZE, 52);
  b.writeUInt16LE(PROGRAM_HEADER_SIZE, 54);
  b.writeUInt16LE(1, 56); // e_phnum
  b.writeUInt16LE(64, 58); // e_shentsize
  const ph = ELF_HEADER_SIZE;
  b.writeUInt32LE(1, ph); // PT_LOAD
  b.writeUInt32LE(5, ph + 4); // PF_R | PF_X
  b.writeBigUInt64LE(0n, ph + 8); // p_offset
  b.writeBigUInt64LE(LOAD_ADDRESS, ph + 16); // p_vaddr
  b.writeBigUInt64LE(LOAD_ADDRESS, ph + 24); // p_paddr
  b.writeBigUInt64LE(BigInt(size), ph + 32); // p_filesz
  b.writeBigUInt64LE(BigInt(size), ph + 40); // p_memsz
  b.writeBigUInt64LE(0x1000n, ph + 48); // p_align
  Buffer.from(CODE).copy(b, codeOffset);
  return b;
}

/** Where /init finds it. */
export const TSC_PROBE_PATH = 'bin/ktrim-tsc';
