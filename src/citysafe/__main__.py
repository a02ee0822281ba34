from citysafe.cli import main

main()
