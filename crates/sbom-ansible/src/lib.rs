//! Declared-packages manifest and packages read from Ansible roles and playbooks
#![cfg_attr(not(test), warn(clippy::unwrap_used))]
