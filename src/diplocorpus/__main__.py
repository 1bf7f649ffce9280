from diplocorpus.cli import main

main()
