"""NANP geography for the sandbox: real area codes (NPAs) of the US and Canada with a major city.

Kept as compact text tables (one line per region, continued on lines that start with the bare
code) so ~350 NPAs stay readable; ``geo.py`` parses them once at import.

Line format: ``CODE Region name: NPA City; NPA City`` or ``CODE: NPA City; ...`` for a continuation.
An NPA shared by several regions (902/782 NS+PE, 867 YT/NT/NU) lists the NXXs one region owns as
``NPA City=NXX/NXX/...``; the region that lists the NPA without NXXs gets the rest.
"""

from __future__ import annotations

US_TABLE = """
AL Alabama: 205 Birmingham; 251 Mobile; 256 Huntsville; 334 Montgomery; 659 Birmingham
AL: 938 Huntsville
AK Alaska: 907 Anchorage
AZ Arizona: 480 Mesa; 520 Tucson; 602 Phoenix; 623 Glendale; 928 Flagstaff
AR Arkansas: 327 Jonesboro; 479 Fort Smith; 501 Little Rock; 870 Jonesboro
CA California: 209 Stockton; 213 Los Angeles; 279 Sacramento; 310 Santa Monica
CA: 323 Los Angeles; 341 Oakland; 408 San Jose; 415 San Francisco; 424 Torrance
CA: 442 Oceanside; 510 Oakland; 530 Redding; 559 Fresno; 562 Long Beach; 619 San Diego
CA: 626 Pasadena; 628 San Francisco; 650 San Mateo; 657 Anaheim; 661 Bakersfield
CA: 669 San Jose; 707 Santa Rosa; 714 Anaheim; 747 Burbank; 760 Oceanside
CA: 805 Santa Barbara; 818 Burbank; 820 Santa Barbara; 831 Salinas; 840 San Bernardino
CA: 858 San Diego; 909 San Bernardino; 916 Sacramento; 925 Concord; 949 Irvine
CA: 951 Riverside
CO Colorado: 303 Denver; 719 Colorado Springs; 720 Denver; 970 Fort Collins
CT Connecticut: 203 New Haven; 475 Bridgeport; 860 Hartford; 959 Hartford
DE Delaware: 302 Wilmington
DC District of Columbia: 202 Washington; 771 Washington
FL Florida: 239 Fort Myers; 305 Miami; 321 Orlando; 352 Gainesville; 386 Daytona Beach
FL: 407 Orlando; 448 Pensacola; 561 West Palm Beach; 656 Tampa; 689 Orlando
FL: 727 St. Petersburg; 754 Fort Lauderdale; 772 Port St. Lucie; 786 Miami; 813 Tampa
FL: 850 Tallahassee; 863 Lakeland; 904 Jacksonville; 941 Sarasota; 954 Fort Lauderdale
GA Georgia: 229 Albany; 404 Atlanta; 470 Atlanta; 478 Macon; 678 Atlanta; 706 Augusta
GA: 762 Augusta; 770 Marietta; 912 Savannah; 943 Atlanta
HI Hawaii: 808 Honolulu
ID Idaho: 208 Boise; 986 Boise
IL Illinois: 217 Springfield; 224 Evanston; 309 Peoria; 312 Chicago; 331 Aurora
IL: 447 Champaign; 618 Belleville; 630 Aurora; 708 Cicero; 773 Chicago; 779 Rockford
IL: 815 Rockford; 847 Evanston; 872 Chicago
IN Indiana: 219 Gary; 260 Fort Wayne; 317 Indianapolis; 463 Indianapolis; 574 South Bend
IN: 765 Lafayette; 812 Evansville; 930 Evansville
IA Iowa: 319 Cedar Rapids; 515 Des Moines; 563 Davenport; 641 Mason City; 712 Sioux City
KS Kansas: 316 Wichita; 620 Dodge City; 785 Topeka; 913 Kansas City
KY Kentucky: 270 Bowling Green; 364 Bowling Green; 502 Louisville; 606 Ashland
KY: 859 Lexington
LA Louisiana: 225 Baton Rouge; 318 Shreveport; 337 Lafayette; 504 New Orleans; 985 Houma
ME Maine: 207 Portland
MD Maryland: 227 Rockville; 240 Rockville; 301 Rockville; 410 Baltimore; 443 Baltimore
MD: 667 Baltimore
MA Massachusetts: 339 Lynn; 351 Lowell; 413 Springfield; 508 Worcester; 617 Boston
MA: 774 Worcester; 781 Lynn; 857 Boston; 978 Lowell
MI Michigan: 231 Muskegon; 248 Troy; 269 Kalamazoo; 313 Detroit; 517 Lansing; 586 Warren
MI: 616 Grand Rapids; 734 Ann Arbor; 810 Flint; 906 Marquette; 947 Troy
MI: 989 Saginaw
MN Minnesota: 218 Duluth; 320 St. Cloud; 507 Rochester; 612 Minneapolis; 651 St. Paul
MN: 763 Brooklyn Park; 952 Bloomington
MS Mississippi: 228 Gulfport; 601 Jackson; 662 Tupelo; 769 Jackson
MO Missouri: 235 Columbia; 314 St. Louis; 417 Springfield; 557 St. Louis; 573 Columbia
MO: 636 O'Fallon; 660 Sedalia; 816 Kansas City
MT Montana: 406 Billings
NE Nebraska: 308 Grand Island; 402 Omaha; 531 Omaha
NV Nevada: 702 Las Vegas; 725 Las Vegas; 775 Reno
NH New Hampshire: 603 Manchester
NJ New Jersey: 201 Jersey City; 551 Jersey City; 609 Trenton; 640 Trenton; 732 Toms River
NJ: 848 Toms River; 856 Camden; 862 Paterson; 908 Elizabeth; 973 Newark
NM New Mexico: 505 Albuquerque; 575 Las Cruces
NY New York: 212 New York; 315 Syracuse; 332 New York; 347 Queens; 516 Hempstead
NY: 518 Albany; 585 Rochester; 607 Binghamton; 631 Islip; 646 New York; 680 Syracuse
NY: 716 Buffalo; 718 Brooklyn; 838 Albany; 845 Poughkeepsie; 914 Yonkers; 917 New York
NY: 929 Bronx; 934 Islip
NC North Carolina: 252 Greenville; 336 Greensboro; 704 Charlotte; 743 Greensboro
NC: 828 Asheville; 910 Fayetteville; 919 Raleigh; 980 Charlotte; 984 Raleigh
ND North Dakota: 701 Fargo
OH Ohio: 216 Cleveland; 220 Newark; 234 Akron; 326 Dayton; 330 Akron; 380 Columbus
OH: 419 Toledo; 440 Lorain; 513 Cincinnati; 567 Toledo; 614 Columbus; 740 Zanesville
OH: 937 Dayton
OK Oklahoma: 405 Oklahoma City; 539 Tulsa; 572 Oklahoma City; 580 Lawton; 918 Tulsa
OR Oregon: 458 Eugene; 503 Portland; 541 Eugene; 971 Portland
PA Pennsylvania: 215 Philadelphia; 223 Lancaster; 267 Philadelphia; 272 Scranton
PA: 412 Pittsburgh; 445 Philadelphia; 484 Allentown; 570 Scranton; 610 Allentown
PA: 717 Harrisburg; 724 Greensburg; 814 Erie; 878 Pittsburgh
RI Rhode Island: 401 Providence
SC South Carolina: 803 Columbia; 839 Columbia; 843 Charleston; 854 Charleston
SC: 864 Greenville
SD South Dakota: 605 Sioux Falls
TN Tennessee: 423 Chattanooga; 615 Nashville; 629 Nashville; 731 Jackson; 865 Knoxville
TN: 901 Memphis; 931 Clarksville
TX Texas: 210 San Antonio; 214 Dallas; 254 Waco; 281 Houston; 325 Abilene; 346 Houston
TX: 361 Corpus Christi; 409 Beaumont; 430 Tyler; 432 Midland; 469 Dallas; 512 Austin
TX: 682 Fort Worth; 713 Houston; 726 San Antonio; 737 Austin; 806 Lubbock
TX: 817 Fort Worth; 830 New Braunfels; 832 Houston; 903 Tyler; 915 El Paso; 936 Conroe
TX: 940 Denton; 945 Dallas; 956 Laredo; 972 Dallas; 979 Bryan
UT Utah: 385 Salt Lake City; 435 St. George; 801 Salt Lake City
VT Vermont: 802 Burlington
VA Virginia: 276 Bristol; 434 Lynchburg; 540 Roanoke; 571 Arlington; 703 Arlington
VA: 757 Norfolk; 804 Richmond; 826 Roanoke; 948 Norfolk
WA Washington: 206 Seattle; 253 Tacoma; 360 Olympia; 425 Bellevue; 509 Spokane
WA: 564 Olympia
WV West Virginia: 304 Charleston; 681 Charleston
WI Wisconsin: 262 Kenosha; 414 Milwaukee; 534 Eau Claire; 608 Madison; 715 Eau Claire
WI: 920 Green Bay
WY Wyoming: 307 Cheyenne
"""

CA_TABLE = """
ON Ontario: 416 Toronto; 647 Toronto; 437 Toronto; 905 Mississauga; 289 Hamilton
ON: 613 Ottawa; 343 Ottawa; 519 London; 226 Windsor; 705 Sudbury; 249 Barrie
ON: 807 Thunder Bay
QC Quebec: 514 Montreal; 438 Montreal; 450 Laval; 579 Longueuil; 418 Quebec City
QC: 581 Quebec City; 819 Gatineau; 873 Sherbrooke
BC British Columbia: 604 Vancouver; 778 Vancouver; 236 Surrey; 250 Victoria
AB Alberta: 403 Calgary; 587 Edmonton; 780 Edmonton; 825 Calgary
MB Manitoba: 204 Winnipeg; 431 Winnipeg
SK Saskatchewan: 306 Regina; 639 Saskatoon
NS Nova Scotia: 902 Halifax; 782 Halifax
PE Prince Edward Island: 902 Charlottetown=367/368/370/388/394/566/569/620/626/628/629
PE: 782 Charlottetown=200/201/202/203/204/205/206/207/208/209
NB New Brunswick: 506 Moncton
NL Newfoundland and Labrador: 709 St. John's
YT Yukon: 867 Whitehorse=332/333/334/335/393/456/633/667/668
NT Northwest Territories: 867 Yellowknife=444/445/446/669/765/766/767/873/920
NU Nunavut: 867 Iqaluit
"""
