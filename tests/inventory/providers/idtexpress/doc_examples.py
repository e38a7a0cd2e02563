"""Response bodies copied verbatim from the IDT Express API v1 document's examples.

Source: /work/shared/providers/idtexpress-api-v1.txt (the text between the example's braces,
whitespace and all). ``ERROR_INVALID_FIELD`` is written as a Ruby hash in the document
(``"status"=>422``), so it is kept as text, not parsed JSON.
"""

# ruff: noqa: W291, RUF001

ERROR_INSUFFICIENT_FUNDS = """\
{
   "status":422,
   "api_request_id":"f5263b41-6935-4823-b118-72c759645dfc",
   "errors":[
      {
         "code":3001,
         "title":"Insufficient Funds",
         "detail":"Insufficient Funds (cost: 6.39, account balance: 0.31)",
         "source":"/"
      }
   ]
}
"""

ERROR_INVALID_FIELD = """\
{
   "status"=>422, 
   "api_request_id"=>"a171cfe8-a18c-49cc-be94-41511eaac645", 
   "errors"=>[
      {
         "code": 1002,
         "title": "Invalid Field", 
         "detail": "Quantity must be greater than 0", 
         "field": "quantity", 
         "source": "/order_items/0/quantity"         
      }
   ]
}
"""

COUNTRIES = """\
{
  "countries": [
    {
      "name": "Poland",
      "iso": "PL",
      "has_regions": false,
      "supports_toll_free": false
    },
    {
      "name": "Puerto Rico",
      "iso": "PR",
      "has_regions": false,
      "supports_toll_free": false
    },
    {
      "name": "USA",
      "iso": "US",
      "has_regions": true,
      "supports_toll_free": true
    }
  ],
  "meta": {
    "total": 3
  }
}
"""

REGIONS = """\
{
  "regions": [
    {
      "name": "Alberta",
      "code": "CA-AB"
    },
    {
      "name": "British Columbia",
      "code": "CA-BC"
    },
    {
      "name": "Manitoba",
      "code": "CA-MB"
    },
    {
      "name": "Newfoundland and Labrador",
      "code": "CA-NF"
    },
    {
      "name": "Nova Scotia",
      "code": "CA-NS"
    },
    {
      "name": "Ontario",
      "code": "CA-ON"
    },
    {
      "name": "Quebec",
      "code": "CA-QC"
    }
  ],
  "meta": {
    "total": 7
  }
}
"""

DID_GROUPS = """\
{
   "did_groups":[
      {
         "id":2992,
         "name":"FANWOOD (908) 312",
         "country_calling_code":"1",
         "area_code":"908",
         "nxx":"312",
         "toll_free":false,
         "country":{
            "name":"USA",
            "iso":"US",
            "has_regions":true,
            "supports_toll_free":true
         },
         "region":{
            "name":"Alaska",
            "code":"US-AK"
         },
         "fees":{
            "setup_fee":"0.00",
            "monthly_fee":"5.00",
            "per_minute_rate":"4.7354"
         }
      },
      {
         "id":4884,
         "name":"Monroe (318) 450",
         "country_calling_code":"1",
         "area_code":"318",
         "nxx":"450",
         "toll_free":false,
         "country":{
            "name":"USA",
            "iso":"US",
            "has_regions":true,
            "supports_toll_free":true
         },
         "region":{
            "name":"Alaska",
            "code":"US-AK"
         },
         "fees":{
            "setup_fee":"0.00",
            "monthly_fee":"5.00",
            "per_minute_rate":"4.7354"
         }
      }
   ],
   "meta":{
      "total":2
   }
}
"""

CREATE_ORDER = """\
{
   "order":{
      "id":"f52-6d9-261b",
      "created_at":"2020-06-26T11:01:16.000Z",
      "status":"Created",
      "ordered": {
         "quantity": 3
      },
      "fulfilled": {
         "quantity": 0
      },
      "order_items":[
         {
            "id":162455,
            "status":"Processing",
            "order_item_type":"quantity",
            "ordered": {
               "quantity": 3
            },
            "fulfilled": {
               "quantity": 0
            },
            "cancelable":false,
            "did_group":{
               "id":16847,
               "name":"SALVADOR ",
               "country_calling_code":"55",
               "area_code":"71",
               "nxx":null,
               "toll_free":false,
               "country":{
                  "name":"BRAZIL",
                  "iso":"BR",
                  "has_regions":false
               },
               "fees":{
                  "setup_fee":"0.00",
                  "monthly_fee":"3.00"                  
               }
            },
            "numbers":[

            ]
         }
      ]
   },
   "meta":{

   }
}
"""

GET_ORDER = """\
{
   "order":{
      "id":"9c2-2e2-4b6f",
      "created_at":"2020-06-25T13:47:00.000Z",
      "status":"complete",
      "ordered": {
         "quantity": 1
      },
      "fulfilled": {
         "quantity": 1
      },
      "order_items":[
         {
            "id":162336,
            "status":"Fulfilled – Complete",
            "order_item_type":"quantity",
            "ordered": {
               "quantity": 1
            },
            "fulfilled": {
               "quantity": 1
            },
            "cancelable":false,
            "did_group":{
               "id":19500,
               "name":"PIOTRKOW TRYBUNALSKI",
               "country_calling_code":"48",
               "area_code":"44",
               "nxx":null,
               "toll_free":false,
               "country":{
                  "name":"POLAND",
                  "iso":"PL",
                  "has_regions":false
               },
               "fees":{
                  "setup_fee":"0.00",
                  "monthly_fee":"2.50"
               }
            },
            "numbers":[
               {
                  "number":"01148448881015"
               }
            ]
         }
      ]
   },
   "meta":{

   }
}
"""

GET_ORDERS = """\
{
    "orders": [
        {
            "id": "710-1be-a8d7",
            "created_at": "2020-07-05T22:58:23.000Z",
            "status": "Processing",
            "ordered": {
                "quantity": 2               
            },
            "fulfilled": {
                "quantity": 0
            }
        },
        {
            "id": "929-bcc-ed00",
            "created_at": "2020-07-05T22:48:31.000Z",
            "status": "Complete",
            "ordered": {
                "quantity": 17               
            },
            "fulfilled": {
                "quantity": 17
            }            
        },
        {
            "id": "018-7cb-5832",
            "created_at": "2020-07-05T10:29:51.000Z",
            "status": "Complete",
            "ordered": {
                "quantity": 2
            },
            "fulfilled": {
                "quantity": 0
            },
            "currency": "USD"
        }

    ],
    "meta": {
        "page": 1,
        "page_size": 100,
        "total": 3
    }
}
"""

GET_NUMBERS = """\
{
   "numbers":[
      {
         "number":"0115117304800",
         "status":"active",
         "added_at":"2020-06-24T19:02:30.000Z",
         "did_group":{
            "name":"LIMA",
            "id":11895,
            "country_calling_code":"51",
            "area_code":"1",
            "nxx":null,
            "toll_free":false,
            "country":{
               "name":"PERU",
               "iso":"PE",
               "has_regions":false,
               "supports_toll_free":false
            },
            "fees":{
               "setup_fee":"0.00",
               "monthly_fee":"5.25",
               "per_minute_rate":"4.7354"
            }
         }
      },
      {
         "number":"011557135001442",
         "status":"active",
         "added_at":"2020-06-24T19:02:51.000Z",
         "did_group":{
            "name":"SALVADOR ",
            "id":16847,
            "country_calling_code":"55",
            "area_code":"71",
            "nxx":null,
            "toll_free":false,
            "country":{
               "name":"BRAZIL",
               "iso":"BR",
               "has_regions":false,
               "supports_toll_free":true
            },
            "fees":{
               "setup_fee":"0.00",
               "monthly_fee":"3.00",
               "per_minute_rate":"4.7354"
            }
         }
      },
      {
         "number":"011557135001540",
         "status":"active",
         "added_at":"2020-06-26T07:01:28.000Z",
         "did_group":{
            "name":"SALVADOR ",
            "id":16847,
            "country_calling_code":"55",
            "area_code":"71",
            "nxx":null,
            "toll_free":false,
            "country":{
               "name":"BRAZIL",
               "iso":"BR",
               "has_regions":false,
               "supports_toll_free":true
            },
            "fees":{
               "setup_fee":"0.00",
               "monthly_fee":"3.00",
               "per_minute_rate":"4.7354"
            }
         }
      },
      {
         "number":"011557135001580",
         "status":"active",
         "added_at":"2020-06-26T07:01:28.000Z",
         "did_group":{
            "name":"SALVADOR",
            "id":16847,
            "country_calling_code":"55",
            "area_code":"71",
            "nxx":null,
            "toll_free":false,
            "country":{
               "name":"BRAZIL",
               "iso":"BR",
               "has_regions":false,
               "supports_toll_free":true
            },
            "fees":{
               "setup_fee":"0.00",
               "monthly_fee":"3.00",
               "per_minute_rate":"4.7354"
            }
         }
      }
   ],
   "meta":{
      "page":1,
      "page_size":100,
      "total":4
   }
}
"""

DELETE_NUMBER = """\
{
  "number":"01133975182372",
  "status":"removed"
}
"""
