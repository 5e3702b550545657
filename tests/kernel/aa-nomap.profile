# test_policy's AppArmor profiles, compiled by tests/kernel/kernel.mk with the
# host's apparmor_parser and loaded in the guest through securityfs.
#  vmxfer_test_nomap: everything but mapping files under /tmp/vmxfer-aa
#                     executable ("m"): the caller's policy;
#  vmxfer_test_all:   everything: the target's.  (AppArmor lets a confined
#                     task use a file an unconfined one opened -- delegation
#                     -- so the target must be confined for the caller's
#                     profile to be asked at all.)
abi <abi/3.0>,

profile vmxfer_test_nomap {
  file,
  capability,
  network,
  signal,
  ptrace,
  unix,
  mount,
  umount,
  pivot_root,
  deny /tmp/vmxfer-aa/** m,
}

profile vmxfer_test_all {
  file,
  capability,
  network,
  signal,
  ptrace,
  unix,
  mount,
  umount,
  pivot_root,
}
