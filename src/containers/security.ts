// Secure defaults for a container: docker's default capability set and a seccomp profile.
// The profile is berth's own: an allow-list of the system calls ordinary programs use, with
// namespace-creating clone flags, clone3 (answered ENOSYS, so libc falls back to clone) and
// the privileged calls left out unless the container holds the capability they need.
import { readFileSync } from 'node:fs';
import { invalid } from '../errors.js';

export const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

export const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

function normCap(c: string): string {
  const up = c.toUpperCase();
  const cap = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (up !== 'ALL' && !ALL_CAPS.includes(cap)) throw invalid(`unknown capability: "${c}"`);
  return up === 'ALL' ? 'ALL' : cap;
}

/** The capabilities berth itself may hand on (its bounding set): a container cannot get more. */
function ownBoundingSet(): Set<string> {
  try {
    const hex = /^CapBnd:\s+([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (hex) {
      const mask = BigInt(`0x${hex}`);
      return new Set(ALL_CAPS.filter((_, bit) => (mask >> BigInt(bit)) & 1n));
    }
  } catch {
    /* not Linux's procfs: assume all */
  }
  return new Set(ALL_CAPS);
}

/** The effective set: defaults (or all when privileged), plus --cap-add, minus --cap-drop, within berth's own bounding set. */
export function capabilities(add: string[], drop: string[], privileged: boolean): string[] {
  const own = ownBoundingSet();
  return requestedCapabilities(add, drop, privileged).filter((c) => own.has(c));
}

function requestedCapabilities(add: string[], drop: string[], privileged: boolean): string[] {
  if (privileged) return [...ALL_CAPS];
  const a = add.map(normCap);
  const d = drop.map(normCap);
  let caps = d.includes('ALL') ? [] : DEFAULT_CAPS.filter((c) => !d.includes(c));
  caps = a.includes('ALL') ? ALL_CAPS.filter((c) => !d.includes(c) || a.includes(c)) : [...new Set([...caps, ...a])];
  return caps;
}

const ALLOWED = `accept accept4 access adjtimex alarm arch_prctl bind brk capget capset chdir chmod chown chroot clock_adjtime clock_getres clock_gettime
clock_nanosleep close close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_pwait epoll_pwait2 epoll_wait
eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchownat
fcntl fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstatfs fsync ftruncate futex futex_waitv futimesat get_mempolicy get_robust_list
get_thread_area getcpu getcwd getdents getdents64 getegid geteuid getgid getgroups getitimer getpeername getpgid getpgrp getpid getppid getpriority
getrandom getresgid getresuid getrlimit getrusage getsid getsockname getsockopt gettid gettimeofday getuid getxattr inotify_add_watch inotify_init
inotify_init1 inotify_rm_watch io_cancel io_destroy io_getevents io_pgetevents io_setup io_submit ioctl ioprio_get ioprio_set kill landlock_add_rule
landlock_create_ruleset landlock_restrict_self lchown lgetxattr link linkat listen listxattr llistxattr lremovexattr lseek lsetxattr lstat madvise
membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap modify_ldt mprotect mq_getsetattr mq_notify mq_open
mq_timedreceive mq_timedsend mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat open
openat openat2 pause pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll prctl pread64 preadv preadv2
prlimit64 process_mrelease pselect6 ptrace pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recvfrom recvmmsg recvmsg remap_file_pages
removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
rt_sigtimedwait rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity sched_getattr sched_getparam sched_getscheduler
sched_rr_get_interval sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop sendfile
sendmmsg sendmsg sendto set_robust_list set_thread_area set_tid_address setdomainname setfsgid setfsuid setgid setgroups sethostname setitimer setpgid
setpriority setregid setresgid setresuid setreuid setrlimit setsid setsockopt setuid setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd
signalfd4 socket socketpair splice stat statfs statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete
timer_getoverrun timer_gettime timer_settime timerfd_create timerfd_gettime timerfd_settime times tkill truncate umask uname unlink unlinkat utime utimensat
utimes vfork vmsplice wait4 waitid write writev`.split(/\s+/);

/** Calls allowed only with a capability. */
const BY_CAP: Record<string, string[]> = {
  CAP_SYS_ADMIN: ['mount', 'umount2', 'unshare', 'setns', 'pivot_root', 'quotactl', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'move_mount', 'open_tree', 'mount_setattr', 'lookup_dcookie', 'perf_event_open', 'fanotify_init', 'bpf', 'clone3-full'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYSLOG: ['syslog'],
  CAP_SYS_NICE: ['get_mempolicy', 'mbind', 'set_mempolicy', 'move_pages'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_SYS_PTRACE: ['process_vm_readv', 'process_vm_writev', 'kcmp'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

const CLONE_NS_FLAGS = 0x7e020000; // NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: Array<{ names: string[]; action: string; errnoRet?: number; args?: Array<{ index: number; value: number; valueTwo?: number; op: string }> }>;
}

export function defaultSeccomp(caps: string[]): SeccompProfile {
  const extra = Object.entries(BY_CAP)
    .filter(([cap]) => caps.includes(cap))
    .flatMap(([, names]) => names)
    .filter((n) => n !== 'clone3-full');
  const admin = caps.includes('CAP_SYS_ADMIN');
  const syscalls: SeccompProfile['syscalls'] = [
    { names: [...new Set([...ALLOWED, ...extra])], action: 'SCMP_ACT_ALLOW' },
    // personality: only the harmless personas (linux, linux32, and the query value).
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0xffffffff, op: 'SCMP_CMP_EQ' }] },
  ];
  if (admin) syscalls.push({ names: ['clone', 'clone3'], action: 'SCMP_ACT_ALLOW' });
  else {
    syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NS_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  }
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'], syscalls };
}

export const MASKED_PATHS = ['/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
