"""`python -m nnfunc`: the demo in `nnfunc.demo` (`python -m nnfunc --help` for its options)."""

from nnfunc.demo import main

if __name__ == "__main__":
    main()
